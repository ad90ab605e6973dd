/// Reduces an inbound message to the letters and digits of a possible keyword, upper-cased.
enum KeywordText {
    /// Longest message considered a keyword (a longer one is always an ordinary reply).
    static let maximumLength = 40

    /// `"  Stop! "` → `"STOP"`, `"opt-out"` → `"OPTOUT"`; nil when the text is too long to be a keyword.
    static func folded(_ text: String) -> String? {
        guard text.utf8.count <= maximumLength * 4 else { return nil }
        var result = String()
        result.reserveCapacity(16)
        var count = 0
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                switch value {
                case 0x61...0x7A: result.unicodeScalars.append(Unicode.Scalar(value - 0x20)!)
                case 0x41...0x5A, 0x30...0x39: result.unicodeScalars.append(scalar)
                default: continue  // spaces, punctuation
                }
            } else if value >= 0xFF21 && value <= 0xFF3A || value >= 0xFF41 && value <= 0xFF5A {
                // Fullwidth Latin letters.
                let ascii = value - 0xFEE0
                result.unicodeScalars.append(Unicode.Scalar(ascii >= 0x61 ? ascii - 0x20 : ascii)!)
            } else if scalar.properties.isAlphabetic || scalar.properties.numericType != nil {
                result.append(String(scalar).uppercased())
            } else {
                continue  // emoji, symbols, invisible characters
            }
            count += 1
            if count > maximumLength { return nil }
        }
        return result
    }
}
