import Foundation

/// A connection URL as a startup line may show it: scheme, user, host, port and path, never a
/// password or query (which can carry credentials). Unparseable text is shown as `<unparseable>`.
public enum RedactedURL {
    /// `postgres://amplifi:secret@db:5432/amplifi?sslmode=require` → `postgres://amplifi@db:5432/amplifi`.
    public static func describe(_ text: String) -> String {
        guard let parts = URLComponents(string: text), let scheme = parts.scheme, let host = parts.host else {
            return "<unparseable>"
        }
        var out = scheme + "://"
        if let user = parts.user, !user.isEmpty { out += user + "@" }
        out += host
        if let port = parts.port { out += ":\(port)" }
        return out + parts.path
    }
}

/// The build's version, printed by `amplifi --version` and in every role's startup line.
public enum AmplifiVersion {
    /// The release this source tree is.
    public static let release = "0.13.0"

    /// `release`, plus the commit when the image was built with `AMPLIFI_BUILD_COMMIT` set
    /// (the Dockerfile passes it).
    public static var description: String {
        let commit = ProcessInfo.processInfo.environment["AMPLIFI_BUILD_COMMIT"].flatMap { $0.isEmpty ? nil : $0 }
        return commit.map { "\(release) (\($0))" } ?? release
    }
}
