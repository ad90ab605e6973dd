import Foundation

/// Writes CSV files for import tests into a temporary folder.
enum ContactImportFixture {
    /// Quotes a field when it needs it (comma, quote, newline).
    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One CSV line (without the newline).
    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    /// A new temporary file path ending in `.csv`.
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("contacts-\(UUID().uuidString).csv").path
    }

    /// Writes `text` to a new temporary file and returns its path.
    static func write(_ text: String) throws -> String {
        let path = temporaryPath()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
