public import Foundation

/// The part of Twilio Lookup v2's `GET /v2/PhoneNumbers/{PhoneNumber}?Fields=line_type_intelligence`
/// answer that decides `isTextable`.
public struct TwilioLookupResponse: Hashable, Sendable, Decodable {
    /// `phone_number` (E.164).
    public var phoneNumber: String?
    /// `valid`: false for a number that cannot exist.
    public var valid: Bool?
    /// `line_type_intelligence.type`, nil when Twilio could not tell (or the field was not requested).
    public var lineType: LineType?

    private enum CodingKeys: String, CodingKey {
        case phoneNumber = "phone_number"
        case valid
        case lineTypeIntelligence = "line_type_intelligence"
    }

    private struct LineTypeIntelligence: Decodable {
        var type: String?
    }

    /// Decodes the fields it needs; an unknown line type string becomes `.unknown`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        phoneNumber = try container.decodeIfPresent(String.self, forKey: .phoneNumber)
        valid = try container.decodeIfPresent(Bool.self, forKey: .valid)
        let intelligence = try container.decodeIfPresent(LineTypeIntelligence.self, forKey: .lineTypeIntelligence)
        lineType = intelligence?.type.map { LineType(rawValue: $0) ?? .unknown }
    }

    /// A response from its parts (the simulator's answer).
    public init(phoneNumber: String, valid: Bool, lineType: LineType?) {
        self.phoneNumber = phoneNumber
        self.valid = valid
        self.lineType = lineType
    }

    /// The JSON Twilio would answer with.
    public var json: [String: Any] {
        var body: [String: Any] = ["phone_number": phoneNumber ?? "", "valid": valid ?? false]
        if let lineType {
            body["line_type_intelligence"] = ["type": lineType.rawValue, "error_code": NSNull()]
        } else {
            body["line_type_intelligence"] = NSNull()
        }
        return body
    }

    /// Decodes a response body.
    public static func decode(json: Data) throws -> TwilioLookupResponse {
        try JSONDecoder().decode(TwilioLookupResponse.self, from: json)
    }
}
