/// A phone number in E.164 form (`+` then 8–15 digits), validated by NANP rules when it is a +1 number.
public struct PhoneNumber: Hashable, Sendable, Codable {
    /// The E.164 string, e.g. `+19195551234`.
    public let e164: String

    /// Parses a US number in any standard format, or an international E.164 number.
    ///
    /// Accepted: `(919) 555-1234`, `919.555.1234`, `1-919-555-1234`, `+1 919 555 1234`,
    /// `9195551234`, with surrounding whitespace; `+` followed by 8–15 digits (separators allowed).
    public init(parsing input: String) throws(PhoneNumberError) {
        self.e164 = try PhoneNumber.normalize(input)
    }

    /// Creates a value from a string that is already known to be valid E.164 (e.g. read back from the database).
    public init(trustedE164: String) {
        self.e164 = trustedE164
    }

    /// Decodes a string and normalizes it, so a decoded value is always valid E.164.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self.e164 = try PhoneNumber.normalize(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
        }
    }

    /// Encodes the E.164 string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(e164)
    }

    /// Whether this is a North American Numbering Plan (+1) number.
    public var isNANP: Bool { e164.utf8.count == 12 && e164.hasPrefix("+1") }

    /// Normalizes `input` to an E.164 string, or throws saying what is wrong.
    public static func normalize(_ input: String) throws(PhoneNumberError) -> String {
        var digits: [UInt8] = []
        digits.reserveCapacity(16)
        var sawPlus = false
        var sawAnything = false
        var sawLetter = false
        // The first run of letters and how many digits preceded it: "x12" or "ext. 12"
        // after a complete number is an extension, other letters are a vanity number.
        var firstLetters = ""
        var digitsBeforeLetters = 0
        var inFirstLetterRun = false

        for scalar in input.unicodeScalars {
            let value = scalar.value
            switch value {
            case 0x30...0x39:
                digits.append(UInt8(value))
                sawAnything = true
                inFirstLetterRun = false
            case 0x2B:  // +
                if sawAnything { throw PhoneNumberError(.misplacedPlus) }
                sawPlus = true
                sawAnything = true
            case 0x20, 0x2D, 0x2E, 0x28, 0x29, 0x09, 0xA0:  // space - . ( ) tab nbsp
                if value != 0x20 && value != 0x09 && value != 0xA0 { sawAnything = true }
                inFirstLetterRun = false
            case 0x23, 0x2C, 0x3B:  // # , ;  (extension / pause / wait)
                throw PhoneNumberError(.hasExtension)
            default:
                if scalar.properties.isWhitespace {
                    inFirstLetterRun = false
                    continue
                }
                if scalar.properties.isAlphabetic {
                    if !sawLetter {
                        inFirstLetterRun = true
                        digitsBeforeLetters = digits.count
                    }
                    if inFirstLetterRun {
                        firstLetters.unicodeScalars.append(scalar)
                    }
                    sawLetter = true
                    sawAnything = true
                    continue
                }
                throw PhoneNumberError(.invalidCharacter, detail: String(Character(scalar)))
            }
        }
        if sawLetter {
            if digitsBeforeLetters >= 7 && isExtensionMarker(firstLetters) && digits.count > digitsBeforeLetters {
                throw PhoneNumberError(.hasExtension)
            }
            throw PhoneNumberError(.containsLetters)
        }
        if digits.isEmpty {
            throw PhoneNumberError(sawAnything ? .wrongDigitCount : .empty, detail: sawAnything ? "0" : nil)
        }

        if sawPlus {
            if digits[0] == 0x31 {  // +1: NANP
                guard digits.count == 11 else {
                    throw PhoneNumberError(.wrongDigitCount, detail: String(digits.count))
                }
                return try nanp(digits[1...])
            }
            guard digits[0] != 0x30 else { throw PhoneNumberError(.invalidCountryCode) }
            guard (8...15).contains(digits.count) else {
                throw PhoneNumberError(.wrongDigitCount, detail: String(digits.count))
            }
            return "+" + String(decoding: digits, as: UTF8.self)
        }

        switch digits.count {
        case 10:
            return try nanp(digits[...])
        case 11 where digits[0] == 0x31:
            return try nanp(digits[1...])
        default:
            throw PhoneNumberError(.wrongDigitCount, detail: String(digits.count))
        }
    }

    /// Validates ten NANP digits (NPA-NXX-XXXX) and returns them as `+1…`.
    private static func nanp(_ ten: ArraySlice<UInt8>) throws(PhoneNumberError) -> String {
        let d = Array(ten)
        // Area code: N (2-9) then not "11".
        guard d[0] >= 0x32 else { throw PhoneNumberError(.invalidAreaCode) }
        guard !(d[1] == 0x31 && d[2] == 0x31) else { throw PhoneNumberError(.invalidAreaCode) }
        // Exchange: N (2-9).
        guard d[3] >= 0x32 else { throw PhoneNumberError(.invalidExchange) }
        return "+1" + String(decoding: d, as: UTF8.self)
    }

    /// Whether a run of letters is an extension marker: `x`, `ext` or `extension`.
    private static func isExtensionMarker(_ letters: String) -> Bool {
        switch letters.lowercased() {
        case "x", "ext", "extension", "extn": return true
        default: return false
        }
    }
}
