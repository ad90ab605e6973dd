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

    /// What the build was made from, baked in at build time by the `BuildVersionStamp` plugin:
    /// `git describe --tags --always --dirty` of the tree (`20fcacd`, `20fcacd-dirty`), the image's
    /// `VERSION` in a Docker build, `unknown` when neither was there.
    public static let build = BuildStamp.version

    /// `0.13.0 (20fcacd)`: the release and the build.
    public static var description: String { "\(release) (\(build))" }
}
