import AmplifiMessaging
import AmplifiEngine
import Hummingbird

/// The paging query parameters every list shares: `limit` (1…200, default 50) and `cursor`
/// (from the previous page's `meta.next_cursor`).
struct PageParameters {
    /// The most rows one page may have.
    static let maxLimit = 200

    var limit = 50
    var cursor: String?

    /// The parameters of `request`; a bad `limit` is added to `problems` (reported with the rest).
    init(_ request: Request, problems: inout [EngineError]) {
        let query = request.uri.queryParameters
        cursor = query["cursor"].map(String.init)
        if let text = query["limit"].map(String.init) {
            if let value = Int(text), (1...Self.maxLimit).contains(value) {
                limit = value
            } else {
                problems.append(
                    EngineError(
                        .validationFailed, "must be a whole number from 1 to \(Self.maxLimit)", field: "limit"))
            }
        }
    }
}
