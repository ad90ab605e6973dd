/// Replaces characters that force UCS-2 by their GSM-7 equivalents (the product's `normalizeText`).
///
/// Text that is already GSM-7 is returned untouched. Characters with no equivalent
/// (emoji, non-Latin letters, accented letters outside GSM-7) are kept, never dropped.
public enum TextNormalizer {
    /// The normalized text, and whether anything was replaced.
    public static func normalize(_ text: String) -> (text: String, changed: Bool) {
        let scalars = text.unicodeScalars
        var result: String?  // allocated at the first replacement only
        var runStart = scalars.startIndex
        var index = scalars.startIndex
        while index != scalars.endIndex {
            let value = scalars[index].value
            // Every GSM-7 character stays as is; only outside GSM-7 can a replacement apply.
            if GSM7Alphabet.septets(scalarValue: value) == 0,
                let replacement = SmartEncodingTable.replacement(for: value)
            {
                if result == nil {
                    result = String()
                    result!.reserveCapacity(text.utf8.count + 8)
                }
                result!.append(contentsOf: Substring(scalars[runStart..<index]))
                result!.append(replacement)
                scalars.formIndex(after: &index)
                runStart = index
            } else {
                scalars.formIndex(after: &index)
            }
        }
        guard var result else { return (text, false) }
        result.append(contentsOf: Substring(scalars[runStart..<scalars.endIndex]))
        return (result, true)
    }

    /// The normalized text only; see ``normalize(_:)``.
    public static func normalized(_ text: String) -> String {
        normalize(text).text
    }
}
