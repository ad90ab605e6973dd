/// Text as Postgres can store it. A Swift `String` is always valid Unicode, so the one character
/// Postgres refuses is U+0000: a `text` parameter cannot carry it (libpq's strings end at NUL, and
/// this layer refuses the bind) and `jsonb` rejects its `\u0000` escape. Values from outside
/// (webhook fields, carrier answers) go through ``sanitized(_:)`` before they are bound.
public enum PostgresText {
    /// `text` without its NUL characters (unchanged, and not copied, when it has none).
    public static func sanitized(_ text: String) -> String {
        guard text.utf8.contains(0) else { return text }
        return String(String.UnicodeScalarView(text.unicodeScalars.lazy.filter { $0.value != 0 }))
    }

    /// Form fields with every key and value sanitized.
    public static func sanitized(_ fields: [(key: String, value: String)]) -> [(key: String, value: String)] {
        fields.map { (key: sanitized($0.key), value: sanitized($0.value)) }
    }
}
