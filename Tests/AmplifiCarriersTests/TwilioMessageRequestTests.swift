import AmplifiCarriers
import AmplifiMessaging
import Foundation
import Testing

@Suite struct TwilioMessageRequestTests {
    static let message = OutboundMessage(
        id: 42, orgID: UUID(), from: PhoneNumber(trustedE164: "+14155552345"),
        to: PhoneNumber(trustedE164: "+14155550100"), body: "Hello! 👍 50% off & more",
        mediaURL: "https://example.com/a b.jpg?x=1&y=2",
        statusCallbackURL: "https://hooks.example.com/twilio/status?m=42", validityPeriod: 600)

    @Test func formBodyFromAMessage() {
        let request = TwilioMessageRequest(Self.message)
        #expect(
            request.formBody
                == "To=%2B14155550100&From=%2B14155552345&Body=Hello%21+%F0%9F%91%8D+50%25+off+%26+more"
                + "&MediaUrl=https%3A%2F%2Fexample.com%2Fa+b.jpg%3Fx%3D1%26y%3D2"
                + "&StatusCallback=https%3A%2F%2Fhooks.example.com%2Ftwilio%2Fstatus%3Fm%3D42&ValidityPeriod=600")
        #expect(TwilioMessageRequest.contentType == "application/x-www-form-urlencoded")
    }

    @Test func messagingServiceReplacesFrom() {
        let request = TwilioMessageRequest(Self.message, messagingServiceSID: "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        let keys = request.formFields.map(\.key)
        #expect(keys.contains("MessagingServiceSid"))
        #expect(!keys.contains("From"))
    }

    @Test func repeatsMediaURLAndOmitsAbsentFields() {
        let request = TwilioMessageRequest(
            to: "+14155550100", sender: .from("+14155552345"), body: "hi",
            mediaURLs: ["https://a.example/1.png", "https://a.example/2.png"])
        #expect(request.formFields.map(\.key) == ["To", "From", "Body", "MediaUrl", "MediaUrl"])
    }

    @Test func parsesItsOwnBodyBack() throws {
        let request = TwilioMessageRequest(Self.message)
        let parsed = try #require(TwilioMessageRequest(formBody: request.formBody))
        #expect(parsed == request)
        #expect(TwilioMessageRequest(formBody: "Body=hi") == nil)
        #expect(TwilioMessageRequest(formBody: "To=%2B1415&Body=hi") == nil)
    }

    @Test func validityPeriodIsClamped() {
        let base = Self.message
        func with(_ seconds: Int) -> Int {
            OutboundMessage(
                id: 1, orgID: base.orgID, from: base.from, to: base.to, body: "x", validityPeriod: seconds
            ).validityPeriod
        }
        #expect(with(0) == 1)
        #expect(with(-5) == 1)
        #expect(with(1) == 1)
        #expect(with(36_000) == 36_000)
        #expect(with(90_000) == 36_000)
    }
}
