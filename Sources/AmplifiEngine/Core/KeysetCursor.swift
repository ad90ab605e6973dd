import AmplifiMessaging
import AmplifiPostgres
import Foundation

/// The opaque cursor of a newest-first list (campaigns, segments, contacts, conversations): the
/// last row's sort timestamp as Postgres wrote it (`created_at::text`, exact to the microsecond)
/// and its tie-breaking key (an id), base64 of `timestamp|key`. The next page is every row
/// strictly after `(timestamp, key)` in `ORDER BY <timestamp> DESC, <key> DESC`, so rows inserted
/// meanwhile never shift a page.
struct KeysetCursor: Sendable, Equatable {
    /// The sort column's text (`created_at::text`) of the last row seen.
    var timestamp: String
    /// Its tie-breaking key: a lower-case UUID, or a key a list defines (`i:<uuid>`).
    var id: String

    /// The cursor text.
    var text: String {
        Data("\(timestamp)|\(id)".utf8).base64EncodedString()
    }

    /// A cursor for the row with `timestamp` (its sort column's text) and key `id`.
    init(timestamp: String, id: String) {
        self.timestamp = timestamp
        self.id = id
    }

    /// A cursor for the row with `timestamp` and UUID `id`.
    init(timestamp: String, id: UUID) {
        self.init(timestamp: timestamp, id: id.uuidString.lowercased())
    }

    /// The cursor in `text`; throws `VALIDATION_FAILED` (field `cursor`) for anything ``text`` did
    /// not make, including a forged timestamp or key (a validation error, never a SQL one).
    /// `keyIsUUID` (the default) requires the key to be a UUID.
    init(parsing text: String, keyIsUUID: Bool = true) throws(EngineError) {
        let invalid = EngineError(.validationFailed, "is not a cursor returned by a previous page", field: "cursor")
        guard let data = Data(base64Encoded: text) else { throw invalid }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "|")
        guard parts.count == 2, Self.isTimestampText(parts[0]), (1...100).contains(parts[1].utf8.count),
            !keyIsUUID || UUID(uuidString: String(parts[1])) != nil
        else {
            throw invalid
        }
        self.init(timestamp: String(parts[0]), id: String(parts[1]))
    }

    /// The cursor after a page read with one row more than `limit` (whose column `cursor` is the
    /// sort column's text): nil when there is no further row, else the cursor of row `limit - 1`
    /// with its key `lastKey`.
    static func next(after rows: PostgresResult, limit: Int, lastKey: @autoclosure () -> String) throws -> String? {
        guard rows.count > limit else { return nil }
        return KeysetCursor(timestamp: try rows[limit - 1].decode(named: "cursor"), id: lastKey()).text
    }

    /// A light check that a timestamp looks like Postgres' text output.
    static func isTimestampText(_ text: Substring) -> Bool {
        text.count >= 19 && text.count <= 40 && text.allSatisfy { $0.isNumber || "-:. +T".contains($0) }
    }
}
