/// The SMS character encoding of a message: GSM-7 when every character allows it, else UCS-2.
public enum MessageEncoding: String, Sendable, Hashable, Codable, CaseIterable {
    /// GSM 03.38 7-bit default alphabet (with the extension table).
    case gsm7 = "GSM-7"
    /// UCS-2 / UTF-16: 16 bits per code unit.
    case ucs2 = "UCS-2"

    /// Units (septets or UTF-16 code units) that fit in a message sent as one segment.
    public var singleSegmentCapacity: Int {
        switch self {
        case .gsm7: 160
        case .ucs2: 70
        }
    }

    /// Units that fit in each part of a concatenated (multi-segment) message; the rest is the UDH.
    public var multipartSegmentCapacity: Int {
        switch self {
        case .gsm7: 153
        case .ucs2: 67
        }
    }

    /// The encoding `text` needs: GSM-7 if every scalar is in GSM-7 (basic or extension), else UCS-2.
    public static func required(for text: String) -> MessageEncoding {
        GSM7Alphabet.canEncode(text) ? .gsm7 : .ucs2
    }
}
