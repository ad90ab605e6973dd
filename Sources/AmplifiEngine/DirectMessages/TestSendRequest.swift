public import AmplifiMessaging
public import Foundation

/// The body of `POST /api/campaigns/{id}/test`: up to ten numbers to receive the campaign's
/// message now, with an optional other message, media, sender number and preview merge values.
public struct TestSendRequest: Sendable, Equatable {
    /// The most numbers one test send may text.
    public static let maxPhoneNumbers = 10
    /// The most preview values one test send may carry.
    public static let maxMergeFields = 50
    /// The members the body may have.
    public static let knownKeys: Set<String> = [
        "phoneNumbers", "message", "mediaUrls", "fromPhoneNumberId", "mergeData",
    ]

    /// The recipients, normalized to E.164, each once, in the order given.
    public var phoneNumbers: [PhoneNumber]
    /// The body to send instead of the campaign's message (a merge template).
    public var message: String?
    /// The media to attach instead of the campaign's `mediaUrl` (an MMS preview).
    public var mediaURL: String?
    /// The sender number instead of the campaign's (or the organization's default).
    public var fromPhoneNumberID: UUID?
    /// Values for the merge fields (`{"firstName": "Alex"}`); a field without one renders its
    /// fallback, and `{{phone}}` defaults to the recipient's number.
    public var mergeData: [String: String]

    /// Creates a request.
    public init(
        phoneNumbers: [PhoneNumber], message: String? = nil, mediaURL: String? = nil, fromPhoneNumberID: UUID? = nil,
        mergeData: [String: String] = [:]
    ) {
        self.phoneNumbers = phoneNumbers
        self.message = message
        self.mediaURL = mediaURL
        self.fromPhoneNumberID = fromPhoneNumberID
        self.mergeData = mergeData
    }

    /// Parses a body from raw JSON; throws every problem at once, each naming its field.
    public static func parse(json: Data) throws(ValidationFailure) -> TestSendRequest {
        var reader: JSONFieldReader
        switch JSONFieldReader.object(json, what: "test send") {
        case .success(let object): reader = object
        case .failure(let problem): throw ValidationFailure([problem])
        }
        reader.rejectUnknownMembers(known: knownKeys, what: "test send")
        var numbers: [PhoneNumber] = []
        if let texts = reader.strings("phoneNumbers", example: "[\"+19195551234\"]") {
            for (index, text) in texts.enumerated() {
                guard let text else { continue }
                do {
                    let number = try PhoneNumber(parsing: text)
                    if !numbers.contains(number) { numbers.append(number) }
                } catch {
                    reader.problem("phoneNumbers[\(index)]", "is not a phone number: \(error.message)")
                }
            }
            if texts.isEmpty {
                reader.problem("phoneNumbers", "must list at least one number")
            } else if numbers.count > maxPhoneNumbers {
                reader.problem(
                    "phoneNumbers", "lists \(numbers.count) numbers; a test send texts at most \(maxPhoneNumbers)")
            }
        } else if reader.present("phoneNumbers") == nil {
            reader.problem("phoneNumbers", "is required: the numbers to text, such as [\"+19195551234\"]")
        }
        let message = reader.string("message")
        if let message, message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            reader.problem("message", "is empty; leave it out to send the campaign's message")
        }
        var mediaURL: String?
        if let urls = reader.strings("mediaUrls", example: "[\"https://example.com/flyer.png\"]") {
            if urls.count > 1 {
                reader.problem("mediaUrls", "lists \(urls.count) URLs; a campaign message carries one (mediaUrl)")
            }
            mediaURL = urls.first ?? nil
        }
        let sender = reader.uuid("fromPhoneNumberId")
        let mergeData = reader.stringMap("mergeData", example: "{\"firstName\": \"Alex\"}") ?? [:]
        if mergeData.count > maxMergeFields {
            reader.problem("mergeData", "has \(mergeData.count) fields; at most \(maxMergeFields)")
        }
        if !reader.problems.isEmpty { throw ValidationFailure(reader.problems) }
        return TestSendRequest(
            phoneNumbers: numbers, message: message, mediaURL: mediaURL, fromPhoneNumberID: sender,
            mergeData: mergeData)
    }
}
