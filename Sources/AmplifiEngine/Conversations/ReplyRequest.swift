public import AmplifiMessaging
public import Foundation

/// The body of `POST /api/conversations/{phoneNumber}/reply`: the text (required), and optionally
/// the sender number, one media URL, text normalization (on by default) and the route.
public struct ReplyRequest: Sendable, Equatable {
    public static let knownKeys: Set<String> = [
        "message", "fromPhoneNumberId", "mediaUrl", "normalizeText", "forceRoute",
    ]

    public var message: String
    public var fromPhoneNumberID: UUID?
    public var mediaURL: String?
    public var normalizeText: Bool
    public var forceRoute: ForceRoute

    /// A request.
    public init(
        message: String, fromPhoneNumberID: UUID? = nil, mediaURL: String? = nil, normalizeText: Bool = true,
        forceRoute: ForceRoute = .auto
    ) {
        self.message = message
        self.fromPhoneNumberID = fromPhoneNumberID
        self.mediaURL = mediaURL
        self.normalizeText = normalizeText
        self.forceRoute = forceRoute
    }

    /// Parses a body from raw JSON; throws every problem at once, each naming its field.
    public static func parse(json: Data) throws(ValidationFailure) -> ReplyRequest {
        var reader: JSONFieldReader
        switch JSONFieldReader.object(json, what: "reply") {
        case .success(let object): reader = object
        case .failure(let problem): throw ValidationFailure([problem])
        }
        reader.rejectUnknownMembers(known: knownKeys, what: "reply")
        let message = reader.string("message")
        if message?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ?? true,
            reader.problems.allSatisfy({
                $0.field != "message"
            })
        {
            reader.problem("message", "is required: the text to send, 1 to 1600 characters")
        }
        var route = ForceRoute.auto
        if let text = reader.string("forceRoute") {
            do {
                route = try ForceRoute(parsing: text)
            } catch {
                reader.problem("forceRoute", error.message)
            }
        }
        let request = ReplyRequest(
            message: message ?? "", fromPhoneNumberID: reader.uuid("fromPhoneNumberId"),
            mediaURL: reader.string("mediaUrl"), normalizeText: reader.bool("normalizeText") ?? true, forceRoute: route)
        if !reader.problems.isEmpty { throw ValidationFailure(reader.problems) }
        return request
    }
}
