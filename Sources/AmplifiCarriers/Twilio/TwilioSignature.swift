import Crypto
import Foundation

/// Twilio's request signature (`X-Twilio-Signature`): base64(HMAC-SHA1(auth token, full URL + each
/// POST parameter's key immediately followed by its value, keys sorted)).
///
/// A repeated key contributes each distinct value once, values sorted, as Twilio's own helper
/// libraries do. The auth token is a secret: this type never prints it.
public struct TwilioSignature: Sendable, CustomStringConvertible {
    /// The HMAC key's bytes (the account's auth token, also when sending with an API key);
    /// kept as bytes because `SymmetricKey` is not `Sendable`.
    private let keyBytes: [UInt8]

    /// A signer keyed with `authToken`.
    public init(authToken: String) {
        self.keyBytes = Array(authToken.utf8)
    }

    /// The string that is signed: `url` followed by the sorted parameters.
    public static func signedString(url: String, parameters: [(key: String, value: String)]) -> String {
        var byKey: [String: Set<String>] = [:]
        for (key, value) in parameters { byKey[key, default: []].insert(value) }
        var out = url
        // Byte-wise (code point) order, as Twilio's libraries sort.
        for key in byKey.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            for value in byKey[key]!.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                out += key
                out += value
            }
        }
        return out
    }

    /// The signature of a request to `url` with form `parameters` (empty for a GET or a JSON body).
    public func signature(url: String, parameters: [(key: String, value: String)]) -> String {
        let message = Array(Self.signedString(url: url, parameters: parameters).utf8)
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: keyBytes))
        return Data(mac).base64EncodedString()
    }

    /// Whether `signature` (the header's value) is valid for the request; compared in constant time.
    ///
    /// Also tries `url` with its default port removed or added (`:443`/`:80`), as Twilio's helpers
    /// do, because a load balancer may change it.
    public func isValid(_ signature: String, url: String, parameters: [(key: String, value: String)]) -> Bool {
        var valid = false
        for candidate in Self.urlVariants(url) {
            // No early exit: every candidate is checked, so timing says nothing about which matched.
            valid = Self.constantTimeEquals(self.signature(url: candidate, parameters: parameters), signature) || valid
        }
        return valid
    }

    /// `url` as given, then with the scheme's default port toggled.
    static func urlVariants(_ url: String) -> [String] {
        guard var components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            scheme == "https" || scheme == "http"
        else { return [url] }
        let defaultPort = scheme == "https" ? 443 : 80
        if components.port == defaultPort {
            components.port = nil
        } else if components.port == nil {
            components.port = defaultPort
        } else {
            return [url]
        }
        guard let other = components.string, other != url else { return [url] }
        return [url, other]
    }

    /// Compares two strings' UTF-8 bytes without an early exit on the first difference.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        // The length of a base64 HMAC-SHA1 is public (28 bytes), so a length mismatch may return early.
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    /// Never shows the key.
    public var description: String { "TwilioSignature(authToken: <redacted>)" }
}
