/// Base URLs as configured (`TWILIO_BASE_URL`, `AMPLIFI_PUBLIC_URL`, …): paths are appended to
/// them, so a trailing slash is dropped once, where the value is read.
public enum BaseURL {
    /// `url` without trailing slashes (`https://x.com/` → `https://x.com`).
    public static func trimmed(_ url: String) -> String {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }
}
