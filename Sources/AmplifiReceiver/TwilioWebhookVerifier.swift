import AmplifiCarriers

/// Checks `X-Twilio-Signature` on a webhook: rebuilds the URL Twilio signed (the receiver's public
/// URL + the request's path and query) and compares the HMAC over it and the form fields.
public struct TwilioWebhookVerifier: Sendable {
    /// The public base URL (no trailing slash).
    public let publicURL: String
    private let signature: TwilioSignature

    /// A verifier for webhooks posted to `publicURL`, signed with `authToken`.
    public init(publicURL: String, authToken: String) {
        self.publicURL = BaseURL.trimmed(publicURL)
        self.signature = TwilioSignature(authToken: authToken)
    }

    /// The full URL Twilio signed for a request to `pathAndQuery` (e.g. `/twilio/status/42`).
    public func signedURL(pathAndQuery: String) -> String {
        publicURL + pathAndQuery
    }

    /// Whether `header` (nil when absent) is the valid signature of a POST to `pathAndQuery` with `fields`.
    public func isValid(header: String?, pathAndQuery: String, fields: [(key: String, value: String)]) -> Bool {
        guard let header, !header.isEmpty else { return false }
        return signature.isValid(header, url: signedURL(pathAndQuery: pathAndQuery), parameters: fields)
    }
}
