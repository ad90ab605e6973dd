import AmplifiMessaging
import Foundation

/// The opaque cursor of a newest-first list (campaigns, segments, contacts): the last row's sort
/// timestamp as Postgres wrote it (`created_at::text`, exact to the microsecond) and its id,
/// base64 of `timestamp|id`. The next page is every row strictly after `(timestamp, id)` in
/// `ORDER BY <timestamp> DESC, id DESC`, so rows inserted meanwhile never shift a page.
struct KeysetCursor: Sendable, Equatable {
    /// The sort column's text (`created_at::text`) of the last row seen.
    var timestamp: String
    /// Its id.
    var id: UUID

    /// The cursor text.
    var text: String {
        Data("\(timestamp)|\(id.uuidString.lowercased())".utf8).base64EncodedString()
    }

    /// A cursor for the row with `timestamp` (its sort column's text) and `id`.
    init(timestamp: String, id: UUID) {
        self.timestamp = timestamp
        self.id = id
    }

    /// The cursor in `text`; throws `VALIDATION_FAILED` (field `cursor`) for anything
    /// ``text`` did not make, including a forged timestamp (a validation error, never a SQL one).
    init(parsing text: String) throws(EngineError) {
        let invalid = EngineError(.validationFailed, "is not a cursor returned by a previous page", field: "cursor")
        guard let data = Data(base64Encoded: text) else { throw invalid }
        let parts = String(decoding: data, as: UTF8.self).split(separator: "|")
        guard parts.count == 2, let id = UUID(uuidString: String(parts[1])), Self.isTimestampText(parts[0]) else {
            throw invalid
        }
        self.init(timestamp: String(parts[0]), id: id)
    }

    /// A light check that a timestamp looks like Postgres' text output.
    static func isTimestampText(_ text: Substring) -> Bool {
        text.count >= 19 && text.count <= 40 && text.allSatisfy { $0.isNumber || "-:. +T".contains($0) }
    }
}
