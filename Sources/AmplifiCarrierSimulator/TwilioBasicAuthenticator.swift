import AmplifiCarriers
import Foundation

/// Checks HTTP Basic credentials as Twilio does: account sid + auth token, or API key sid + secret.
struct TwilioBasicAuthenticator: Sendable {
    /// Accepted (username, password) pairs.
    private let pairs: [(username: String, password: String)]

    /// Accepts `accountSID:authToken`, and `apiKeySID:apiKeySecret` when both are given.
    init(accountSID: String, authToken: String, apiKeySID: String?, apiKeySecret: String?) {
        var pairs = [(accountSID, authToken)]
        if let apiKeySID, let apiKeySecret { pairs.append((apiKeySID, apiKeySecret)) }
        self.pairs = pairs
    }

    /// Whether `header` (the `Authorization` value) carries accepted credentials; secrets are
    /// compared without an early exit.
    func isAuthorized(_ header: String?) -> Bool {
        guard let header, header.count > 6, header.prefix(6).lowercased() == "basic ",
            let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return false }
        let username = String(text[..<colon])
        let password = String(text[text.index(after: colon)...])
        var valid = false
        for pair in pairs where pair.username == username {
            valid = TwilioSignature.constantTimeEquals(pair.password, password) || valid
        }
        return valid
    }
}
