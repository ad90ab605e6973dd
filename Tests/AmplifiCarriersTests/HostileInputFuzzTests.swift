import AmplifiCarriers
import AmplifiMessaging
import Foundation
import PropertyBased
import Testing

/// Fuzz tests, seeded: arbitrary text and bytes (NUL, invalid UTF-8, huge runs) never trap the
/// parsers that read what arrives from outside — merge templates, phone numbers, carrier forms,
/// webhook signatures, `Retry-After` — and every refusal is a typed error with a stable code.
///
/// (The AmplifiMessaging parsers are fuzzed here because this target has the property-based
/// package and depends on AmplifiMessaging; one harness serves both.)
@Suite("Hostile input: fuzzing")
struct HostileInputFuzzTests {
    @Test("Merge templates: parse or a VALIDATION_FAILED error; a parsed template renders anything")
    func mergeTemplates() async {
        let input = HostileInput.text(["{{", "}}", "{", "}", "|", "firstName", "zip", "custom", " "])
        await seededCheck(count: 3_000, seed: 0x4D45_5247, input: input) { source in
            do {
                let template = try MergeTemplate(parsing: source, customFieldKeys: ["custom", ""])
                let rendered = template.render { field in field.description + "{{x}}" }
                if template.isStatic { #expect(rendered == source, "\(source.debugDescription)") }
                _ = template.render { _ in nil }
            } catch let error as MergeTemplateError {
                #expect(error.code == .validationFailed, "\(source.debugDescription)")
                #expect(!error.message.isEmpty)
            } catch {
                Issue.record("untyped error \(error) for \(source.debugDescription)")
            }
        }
    }

    @Test("Phone numbers: valid E.164 that normalizes to itself, or a VALIDATION_FAILED error")
    func phoneNumbers() async {
        let input = HostileInput.text(
            ["+", "+1", "1", "(", ")", "919", "555", "0101", "x", "ext", "#", ",", ";", "٣", "\u{A0}", "١٢٣"],
            pieces: 0...40)
        await seededCheck(count: 5_000, seed: 0x5048_4F4E, input: input) { raw in
            do {
                let e164 = try PhoneNumber.normalize(raw)
                let digits = e164.utf8.dropFirst()
                #expect(e164.hasPrefix("+") && (8...15).contains(digits.count), "\(raw.debugDescription)")
                #expect(digits.allSatisfy { (0x30...0x39).contains($0) }, "\(raw.debugDescription)")
                #expect(try PhoneNumber.normalize(e164) == e164)
            } catch let error as PhoneNumberError {
                #expect(error.code == .validationFailed, "\(raw.debugDescription)")
            } catch {
                Issue.record("untyped error \(error) for \(raw.debugDescription)")
            }
        }
    }

    @Test("Form bodies: decoding never traps, and re-encoding what was decoded round-trips")
    func formBodies() async {
        let input = HostileInput.text(["&", "=", "%", "%2", "%zz", "%C3%28", "%00", "%FF", "+", "Body", "To"])
        await seededCheck(count: 3_000, seed: 0x464F_524D, input: input) { body in
            let fields = FormURLEncoding.decode(body)
            let again = FormURLEncoding.decode(FormURLEncoding.encode(fields))
            #expect(again.map(\.key) == fields.map(\.key), "\(body.debugDescription)")
            #expect(again.map(\.value) == fields.map(\.value), "\(body.debugDescription)")
            _ = TwilioStatusCallback.report(fields: fields)
        }
    }

    @Test("Twilio signatures: any URL, form and header is checked without trapping; only the right one passes")
    func twilioSignatures() async {
        let signer = TwilioSignature(authToken: "tok-secret-123")
        let input = zip(
            HostileInput.text(["https://", "http://", "hooks.example.com", ":443", ":80", ":", "/", "?", "#", "@", "%"]
            ),
            HostileInput.text(["&", "=", "%", "+", "MessageSid", "SM1"], pieces: 0...30),
            HostileInput.text(["=", "+", "/", "A"], pieces: 0...30))
        await seededCheck(count: 2_000, seed: 0x5349_474E, input: input) { url, form, header in
            let parameters = FormURLEncoding.decode(form)
            let signature = signer.signature(url: url, parameters: parameters)
            #expect(signer.isValid(signature, url: url, parameters: parameters), "\(url.debugDescription)")
            #expect(!signer.isValid(header, url: url, parameters: parameters) || header == signature)
        }
    }

    @Test("Retry-After and error bodies: a wait within 0…600 s or none, and a classified error")
    func retryAfterAndErrorBodies() async {
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let input = zip(
            HostileInput.text(
                ["9", "99999999999999999999", "-", "1e9", "Tue, ", "14 Nov 2023 ", "22:13:20", " GMT", "+0000"],
                pieces: 0...30),
            HostileInput.bytes(
                ["{", "}", "\"code\":", "\"more_info\":", "21211", "1e400", "null", "[", "]", ","].map {
                    Array($0.utf8)
                }),
            Gen<Int>.value(in: 100...599))
        await seededCheck(count: 3_000, seed: 0x5245_5452, input: input) { header, body, status in
            if let wait = TwilioErrorResponse.parseRetryAfter(header, now: now) {
                #expect(wait >= .zero && wait <= CarrierError.maxRetryAfter, "\(header.debugDescription)")
            }
            let error = TwilioErrorResponse.carrierError(httpStatus: status, body: Data(body), retryAfterHeader: header)
            #expect(!error.code.isEmpty)
            if let wait = error.retryAfter { #expect(wait >= .zero && wait <= CarrierError.maxRetryAfter) }
            _ = try? TwilioMessagePage.decode(json: Data(body))
            _ = try? TwilioMessageResource.decode(json: Data(body))
        }
    }
}
