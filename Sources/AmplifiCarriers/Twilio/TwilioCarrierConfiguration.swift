public import AmplifiMessaging
public import Foundation

/// How `TwilioCarrier` reaches Twilio (or any Twilio-compatible server): account, credentials, base URL, limits.
///
/// `description` redacts the secrets (auth token, API key secret), so the value can be logged.
public struct TwilioCarrierConfiguration: Hashable, Sendable, CustomStringConvertible {
    /// Twilio's API host, the default `baseURL`.
    public static let defaultBaseURL = "https://api.twilio.com"
    /// Twilio Lookup's host, the default `lookupBaseURL`.
    public static let defaultLookupBaseURL = "https://lookups.twilio.com"

    /// The account the messages are created in (`AC…`), the `{AccountSid}` of every path.
    public var accountSID: String
    /// The HTTP Basic credentials.
    public var credentials: Credentials
    /// Scheme, host and optional port (no trailing slash), e.g. `https://api.twilio.com` or `http://127.0.0.1:8089`.
    public var baseURL: String
    /// Twilio Lookup's host (no trailing slash): `https://lookups.twilio.com`, or `baseURL` when only
    /// that was overridden (a Twilio-compatible server such as `amplifi carrier-sim` serves both).
    public var lookupBaseURL: String
    /// When set, messages are sent with `MessagingServiceSid` instead of `From`.
    public var messagingServiceSID: String?
    /// At most this many requests in flight per `send` call (and keep-alive connections per host).
    public var maxConcurrentRequests: Int
    /// The deadline of one request, connecting included.
    public var requestTimeout: Duration
    /// The connect timeout of one connection attempt.
    public var connectTimeout: Duration
    /// The most pages one message listing follows (`next_page_uri`), 100 by default: past it the
    /// listing fails with `CARRIER_PAGE_LIMIT` rather than walking a carrier's pages without end.
    public var maxListPages: Int

    /// The default `maxListPages`: 100 pages of up to 1,000 messages.
    public static let defaultMaxListPages = 100

    /// HTTP Basic credentials: the account's auth token, or an API key (sid + secret).
    public enum Credentials: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
        /// Username = account sid, password = auth token.
        case authToken(String)
        /// Username = API key sid (`SK…`), password = the key's secret.
        case apiKey(sid: String, secret: String)

        /// The Basic auth username for `accountSID`.
        public func username(accountSID: String) -> String {
            switch self {
            case .authToken: accountSID
            case .apiKey(let sid, _): sid
            }
        }

        /// The Basic auth password (a secret: never log it).
        public var password: String {
            switch self {
            case .authToken(let token): token
            case .apiKey(_, let secret): secret
            }
        }

        /// The kind of credentials, secret redacted.
        public var description: String {
            switch self {
            case .authToken: "auth token <redacted>"
            case .apiKey(let sid, _): "API key \(sid) secret <redacted>"
            }
        }

        /// Same as `description`: the secret stays redacted.
        public var debugDescription: String { description }
    }

    /// A configuration problem found in the environment; names the variable, never its value.
    public struct ConfigurationError: AmplifiError, Hashable {
        /// `CARRIER_CONFIGURATION_INVALID`.
        public var code: AmplifiErrorCode { AmplifiErrorCode("CARRIER_CONFIGURATION_INVALID") }
        /// What is wrong and what to set.
        public let message: String
        /// The environment variable at fault.
        public let variable: String
        /// The environment variable at fault.
        public var field: String? { variable }

        /// An error about `variable`.
        public init(variable: String, message: String) {
            self.variable = variable
            self.message = message
        }
    }

    /// A configuration from its parts; `baseURL` loses any trailing slash.
    public init(
        accountSID: String, credentials: Credentials, baseURL: String = Self.defaultBaseURL,
        lookupBaseURL: String? = nil, messagingServiceSID: String? = nil, maxConcurrentRequests: Int = 32,
        requestTimeout: Duration = .seconds(15), connectTimeout: Duration = .seconds(5),
        maxListPages: Int = Self.defaultMaxListPages
    ) {
        self.accountSID = accountSID
        self.credentials = credentials
        let base = BaseURL.trimmed(baseURL)
        self.baseURL = base
        self.lookupBaseURL = BaseURL.trimmed(
            lookupBaseURL ?? (base == Self.defaultBaseURL ? Self.defaultLookupBaseURL : base))
        self.messagingServiceSID = messagingServiceSID
        self.maxConcurrentRequests = max(1, maxConcurrentRequests)
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.maxListPages = max(1, maxListPages)
    }

    /// Reads `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN` or `TWILIO_API_KEY_SID` + `TWILIO_API_KEY_SECRET`,
    /// `TWILIO_BASE_URL` (optional), `TWILIO_LOOKUP_BASE_URL` (optional) and `TWILIO_MESSAGING_SERVICE_SID` (optional); empty counts as unset.
    ///
    /// Throws `ConfigurationError` naming the missing or invalid variable.
    public init(
        environment: [String: String], maxConcurrentRequests: Int = 32,
        requestTimeout: Duration = .seconds(15), connectTimeout: Duration = .seconds(5)
    ) throws {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty else {
                return nil
            }
            return raw
        }
        guard let accountSID = value("TWILIO_ACCOUNT_SID") else {
            throw ConfigurationError(
                variable: "TWILIO_ACCOUNT_SID",
                message: "TWILIO_ACCOUNT_SID is not set: set it to the Twilio account sid (AC…) to send with Twilio")
        }
        let credentials: Credentials
        if let keySID = value("TWILIO_API_KEY_SID") {
            guard let secret = value("TWILIO_API_KEY_SECRET") else {
                throw ConfigurationError(
                    variable: "TWILIO_API_KEY_SECRET",
                    message: "TWILIO_API_KEY_SID is set but TWILIO_API_KEY_SECRET is not: set the API key's secret")
            }
            credentials = .apiKey(sid: keySID, secret: secret)
        } else if let token = value("TWILIO_AUTH_TOKEN") {
            credentials = .authToken(token)
        } else {
            throw ConfigurationError(
                variable: "TWILIO_AUTH_TOKEN",
                message: "TWILIO_AUTH_TOKEN is not set: set the account's auth token "
                    + "(or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET to use an API key)")
        }
        let baseURL = value("TWILIO_BASE_URL") ?? Self.defaultBaseURL
        guard let url = URL(string: baseURL), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty
        else {
            throw ConfigurationError(
                variable: "TWILIO_BASE_URL",
                message: "TWILIO_BASE_URL is not an http(s) URL: set it like https://api.twilio.com "
                    + "or http://127.0.0.1:8089, or unset it")
        }
        self.init(
            accountSID: accountSID, credentials: credentials, baseURL: baseURL,
            lookupBaseURL: value("TWILIO_LOOKUP_BASE_URL"), messagingServiceSID: value("TWILIO_MESSAGING_SERVICE_SID"),
            maxConcurrentRequests: maxConcurrentRequests, requestTimeout: requestTimeout,
            connectTimeout: connectTimeout)
    }

    /// `https://…/2010-04-01/Accounts/{AccountSid}/Messages.json` (create).
    public var messagesURL: String {
        "\(baseURL)/2010-04-01/Accounts/\(FormURLEncoding.encodeComponent(accountSID))/Messages.json"
    }

    /// `https://…/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json` (fetch).
    public func messageURL(sid: String) -> String {
        "\(baseURL)/2010-04-01/Accounts/\(FormURLEncoding.encodeComponent(accountSID))/Messages/"
            + "\(FormURLEncoding.encodeComponent(sid)).json"
    }

    /// `…/Messages.json?To=…&DateSent>=YYYY-MM-DD&PageSize=1000` (list, for backfill).
    public func listURL(to: String, sentOnOrAfter since: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: since)
        let dayText = String(format: "%04d-%02d-%02d", parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
        // Twilio's filter is the key `DateSent>` (`DateSent%3E=YYYY-MM-DD` on the wire).
        return messagesURL + "?" + FormURLEncoding.encode([("To", to), ("DateSent>", dayText), ("PageSize", "1000")])
    }

    /// `https://lookups.twilio.com/v2/PhoneNumbers/{E164}?Fields=line_type_intelligence`.
    public func lookupURL(phone: String) -> String {
        "\(lookupBaseURL)/v2/PhoneNumbers/\(FormURLEncoding.encodeComponent(phone))?Fields=line_type_intelligence"
    }

    /// The `Authorization` header value: `Basic base64(username:password)`.
    public var authorizationHeader: String {
        let pair = "\(credentials.username(accountSID: accountSID)):\(credentials.password)"
        return "Basic " + Data(pair.utf8).base64EncodedString()
    }

    /// The configuration with every secret redacted.
    public var description: String {
        "TwilioCarrierConfiguration(account: \(accountSID), \(credentials), baseURL: \(baseURL), "
            + "lookup: \(lookupBaseURL), "
            + "messagingService: \(messagingServiceSID ?? "none"), maxConcurrentRequests: \(maxConcurrentRequests), "
            + "requestTimeout: \(requestTimeout))"
    }
}
