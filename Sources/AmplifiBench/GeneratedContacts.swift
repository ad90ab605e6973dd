public import AmplifiPostgres
public import Foundation

/// A deterministic synthetic contact list for benchmarks and tests, produced
/// row by row (never held in memory) and loaded with COPY.
///
/// Contact `i` (0-based) has: phone `+1` + (2012000000 + i) — area code 201, exchanges from 200,
/// valid NANP numbers a Twilio-compatible carrier accepts, up to 7.9 million contacts — except every 50th
/// (i % 50 == 7: no phone); state NC/SC/CA/NY by i % 4; zip 27600 + i % 100;
/// tags `vip`+`donor` when i % 10 == 0, `donor` when i is otherwise even;
/// `is_textable` false when i % 100 == 3, NULL (lookup pending) when
/// i % 100 == 5, else true; opted out when i % 100 == 11; email when i % 3 != 0.
public struct GeneratedContacts: Sequence, Sendable {
    /// The contacts' organization.
    public let orgID: UUID
    /// How many contacts.
    public let count: Int
    /// Index of the first contact (to add more later without phone collisions).
    public let start: Int

    /// The COPY column list matching each row.
    public static let columns = [
        "org_id", "phone", "first_name", "last_name", "email", "state", "zip", "tags", "is_textable", "opted_out_at",
    ]

    /// `count` contacts of `orgID`, numbered from `start`.
    public init(orgID: UUID, count: Int, start: Int = 0) {
        self.orgID = orgID
        self.count = count
        self.start = start
    }

    /// Walks the rows.
    public struct Iterator: IteratorProtocol {
        let orgID: UUID
        var index: Int
        let end: Int
        static let states = ["NC", "SC", "CA", "NY"]
        static let optedOutAt = Date(timeIntervalSince1970: 1_700_000_000)

        /// The next contact row, in `columns` order.
        public mutating func next() -> [any PostgresEncodable]? {
            guard index < end else { return nil }
            let i = index
            index += 1
            let phone: String? = i % 50 == 7 ? nil : "+1\(2_012_000_000 + i)"
            let tags: [String] = i % 10 == 0 ? ["vip", "donor"] : (i % 2 == 0 ? ["donor"] : [])
            let textable: Bool? = i % 100 == 3 ? false : (i % 100 == 5 ? nil : true)
            let optedOut: Date? = i % 100 == 11 ? Self.optedOutAt : nil
            let email: String? = i % 3 == 0 ? nil : "user\(i)@example.com"
            return [
                orgID, phone, "First\(i)", "Last\(i)", email, Self.states[i % 4], String(27600 + i % 100), tags,
                textable,
                optedOut,
            ]
        }
    }

    /// Starts at contact `start`.
    public func makeIterator() -> Iterator {
        Iterator(orgID: orgID, index: start, end: start + count)
    }

    /// Loads the contacts with one COPY; returns how many rows landed.
    @discardableResult
    public func copy(into connection: PostgresConnection) async throws -> Int {
        try await connection.copy(into: "contacts", columns: Self.columns, rows: self)
    }
}
