import AmplifiReceiver
import Testing

/// The receiver rebuilds the signed URL from its public URL and the request's path and query.
@Suite struct TwilioWebhookVerifierTests {
    /// Twilio's documented webhook-security example (auth token 12345).
    static let fields: [(key: String, value: String)] = [
        ("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
        ("From", "+14158675309"), ("To", "+18005551212"),
    ]

    @Test func acceptsTwiliosDocumentedVector() {
        let verifier = TwilioWebhookVerifier(publicURL: "https://mycompany.com/", authToken: "12345")
        #expect(
            verifier.signedURL(pathAndQuery: "/myapp.php?foo=1&bar=2") == "https://mycompany.com/myapp.php?foo=1&bar=2")
        #expect(
            verifier.isValid(
                header: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", pathAndQuery: "/myapp.php?foo=1&bar=2", fields: Self.fields))
    }

    @Test func rejectsAnotherURLTokenFieldOrNoHeader() {
        let verifier = TwilioWebhookVerifier(publicURL: "https://mycompany.com", authToken: "12345")
        let signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        #expect(!verifier.isValid(header: signature, pathAndQuery: "/myapp.php?foo=1&bar=3", fields: Self.fields))
        #expect(!verifier.isValid(header: nil, pathAndQuery: "/myapp.php?foo=1&bar=2", fields: Self.fields))
        #expect(!verifier.isValid(header: "", pathAndQuery: "/myapp.php?foo=1&bar=2", fields: Self.fields))
        var changed = Self.fields
        changed[2] = ("Digits", "1235")
        #expect(!verifier.isValid(header: signature, pathAndQuery: "/myapp.php?foo=1&bar=2", fields: changed))
        let otherToken = TwilioWebhookVerifier(publicURL: "https://mycompany.com", authToken: "54321")
        #expect(!otherToken.isValid(header: signature, pathAndQuery: "/myapp.php?foo=1&bar=2", fields: Self.fields))
        // A proxy that adds the default port still verifies (Twilio's helpers accept both forms).
        let withPort = TwilioWebhookVerifier(publicURL: "https://mycompany.com:443", authToken: "12345")
        #expect(withPort.isValid(header: signature, pathAndQuery: "/myapp.php?foo=1&bar=2", fields: Self.fields))
    }
}
