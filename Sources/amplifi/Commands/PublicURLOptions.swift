import ArgumentParser
import Foundation

/// `--public-url` (default `$AMPLIFI_PUBLIC_URL`): the base URL the carrier reaches `amplifi receiver`
/// at. The receiver rebuilds the URL Twilio signed from it; workers put `<url>/twilio/status/…` in each
/// message's StatusCallback. Read and checked here only, for every role that needs it.
struct PublicURLOptions: ParsableArguments {
    @Option(
        help: """
            Where the carrier reaches `amplifi receiver` (https://hooks.example.org): Twilio signs it and status \
            callbacks go to <url>/twilio/status/<org id>/<message id>. Default: $AMPLIFI_PUBLIC_URL.
            """)
    var publicURL: String?

    func validate() throws {
        _ = try resolved()
    }

    /// The URL, checked: an http(s) URL with a host and no query; nil when neither the flag nor the
    /// variable is set. A malformed one is a usage error that says what the URL is for.
    func resolved() throws -> String? {
        guard let text = (publicURL ?? Environment.value("AMPLIFI_PUBLIC_URL")).flatMap({ $0.isEmpty ? nil : $0 })
        else { return nil }
        guard let parts = URLComponents(string: text), ["http", "https"].contains(parts.scheme?.lowercased() ?? ""),
            let host = parts.host, !host.isEmpty, parts.query == nil
        else {
            throw ValidationError(
                "the public URL \"\(text)\" is not an http(s) base URL such as https://hooks.example.org: "
                    + "it is where the carrier posts status callbacks (set AMPLIFI_PUBLIC_URL or --public-url)")
        }
        return text
    }
}
