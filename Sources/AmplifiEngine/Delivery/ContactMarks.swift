import AmplifiCarriers

/// The carrier error codes that mark a contact, read from `CarrierErrorTable` (the one place
/// that says what an error does to a contact), for SQL that marks contacts in bulk.
enum ContactMarks {
    /// Codes after which the number cannot receive texts (`contacts.is_textable = false`).
    static let notTextableCodes: [String] = CarrierErrorTable.rows.flatMap { row -> [String] in
        if case .failRow(true, _) = row.disposition { return row.codes }
        return []
    }

    /// Codes after which the contact is opted out (`contacts.opted_out_at`).
    static let optOutCodes: [String] = CarrierErrorTable.rows.flatMap { row -> [String] in
        if case .failRow(_, true) = row.disposition { return row.codes }
        return []
    }
}
