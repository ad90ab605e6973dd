import AmplifiMessaging
import Foundation
import Testing

@Suite("Phone numbers")
struct PhoneNumberTests {
    @Test(
        "Standard US formats normalize to E.164",
        arguments: [
            "(919) 555-1234", "919.555.1234", "1-919-555-1234", "+1 919 555 1234", "9195551234",
            "  919-555-1234  ", "\t(919)555-1234\n", "+19195551234", "1 (919) 555 1234", "19195551234",
            "919 555 1234", "+1 (919) 555-1234",
        ])
    func usFormats(input: String) throws {
        #expect(try PhoneNumber.normalize(input) == "+19195551234")
    }

    @Test(
        "International E.164 numbers are kept",
        arguments: [
            ("+442079460958", "+442079460958"),
            ("+44 20 7946 0958", "+442079460958"),
            ("+33123456789", "+33123456789"),
            ("+4912345678", "+4912345678"),
            ("+861234567890123", "+861234567890123"),
        ])
    func international(input: String, expected: String) throws {
        #expect(try PhoneNumber.normalize(input) == expected)
    }

    @Test(
        "Invalid input names the reason",
        arguments: [
            ("", PhoneNumberError.Reason.empty),
            ("   ", .empty),
            ("1-800-FLOWERS", .containsLetters),
            ("919-555-CALL", .containsLetters),
            ("919-555-1234 x12", .hasExtension),
            ("919-555-1234 ext. 12", .hasExtension),
            ("919-555-1234 ext 12", .hasExtension),
            ("9195551234x9", .hasExtension),
            ("919-555-1234#12", .hasExtension),
            ("919-555-123", .wrongDigitCount),
            ("919-555-12345", .wrongDigitCount),
            ("29195551234", .wrongDigitCount),
            ("+1 919 555 123", .wrongDigitCount),
            ("+1234567", .wrongDigitCount),
            ("+1234567890123456", .wrongDigitCount),
            ("(119) 555-1234", .invalidAreaCode),
            ("(019) 555-1234", .invalidAreaCode),
            ("(411) 555-1234", .invalidAreaCode),
            ("(911) 555-1234", .invalidAreaCode),
            ("+1 811 555 1234", .invalidAreaCode),
            ("(919) 155-1234", .invalidExchange),
            ("(919) 055-1234", .invalidExchange),
            ("+0123456789", .invalidCountryCode),
            ("919*555*1234", .invalidCharacter),
            ("919/555/1234", .invalidCharacter),
            ("919+5551234", .misplacedPlus),
            ("---", .wrongDigitCount),
        ])
    func invalid(input: String, reason: PhoneNumberError.Reason) {
        #expect(throws: PhoneNumberError.self) { try PhoneNumber.normalize(input) }
        do {
            _ = try PhoneNumber.normalize(input)
        } catch {
            #expect(error.reason == reason)
            #expect(error.code == .validationFailed)
            #expect(error.field == "phone")
        }
    }

    @Test("Errors never repeat the number")
    func errorsDoNotLeakNumber() {
        for input in ["919-555-12345", "(119) 555-1234", "919-555-1234 x12", "919-555-CALL", "919*555*1234"] {
            do {
                _ = try PhoneNumber.normalize(input)
                Issue.record("expected an error")
            } catch {
                #expect(!error.description.contains("555"))
                #expect(!error.message.isEmpty)
            }
        }
    }

    @Test("Invalid character is named")
    func invalidCharacterNamed() {
        do {
            _ = try PhoneNumber.normalize("919*555*1234")
        } catch {
            #expect(error.message.contains("'*'"))
        }
    }

    @Test("PhoneNumber value")
    func value() throws {
        let number = try PhoneNumber(parsing: "(919) 555-1234")
        #expect(number.e164 == "+19195551234")
        #expect(number.isNANP)
        #expect(try !PhoneNumber(parsing: "+442079460958").isNANP)
    }
}

@Suite("Phone numbers: coding")
struct PhoneNumberCodingTests {
    @Test("Decoding normalizes and validates; encoding writes E.164")
    func coding() throws {
        let decoded = try JSONDecoder().decode([PhoneNumber].self, from: Data(#"["(919) 555-1234"]"#.utf8))
        #expect(decoded.first?.e164 == "+19195551234")
        #expect(String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self) == #"["+19195551234"]"#)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([PhoneNumber].self, from: Data(#"["555-1234"]"#.utf8))
        }
    }
}
