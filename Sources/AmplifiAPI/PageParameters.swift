import AmplifiEngine
import AmplifiMessaging
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

    /// The parameters of a request that has no others; a bad `limit` is answered 400 at once.
    init(_ request: Request) throws {
        var problems: [EngineError] = []
        self.init(request, problems: &problems)
        if !problems.isEmpty { throw EngineErrorTranslation<APIRequestContext>.validation(problems) }
    }

    /// The success answer of a page: `items` with `meta` (this page's limit, the next cursor and the
    /// total when there is one).
    func answer(_ items: some Encodable, nextCursor: String?, total: Int? = nil) throws -> Response {
        try APIResponse.success(items, meta: APIResponse.PageMeta(limit: limit, nextCursor: nextCursor, total: total))
    }
}
