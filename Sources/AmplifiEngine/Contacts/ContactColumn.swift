/// A standard contact column of an import file (header names as in the product's contacts API).
public enum ContactColumn: String, Sendable, CaseIterable {
    case phone, firstName, lastName, email, address, city, state, zip, tags, timezone, isTextable, optedOut

    /// The header spelling folded for matching: lower case without `_`, `-` or spaces,
    /// so `firstName`, `first_name`, `First Name` and `FIRSTNAME` all match.
    static func fold(_ header: String) -> String {
        String(header.lowercased().unicodeScalars.filter { $0 != "_" && $0 != "-" && $0 != " " })
    }

    /// The column a header names, if it is a standard one.
    public init?(header: String) {
        let folded = Self.fold(header)
        guard let column = Self.allCases.first(where: { $0.rawValue.lowercased() == folded }) else { return nil }
        self = column
    }
}
