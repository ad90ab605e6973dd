/// The GSM 03.38 default alphabet and its extension table, as a precomputed lookup.
public enum GSM7Alphabet {
    /// Septets for each Latin-1 scalar (0x00–0xFF): 0 = not GSM-7, 1 = basic set, 2 = extension (escape + char).
    private static let latin1Cost: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 256)
        // Printable ASCII is in the basic set except the backtick, and the extension characters.
        for value in 0x20...0x7E { table[value] = 1 }
        table[0x60] = 0  // ` is not in GSM-7
        for value in [0x5E, 0x7B, 0x7D, 0x5C, 0x5B, 0x7E, 0x5D, 0x7C] { table[value] = 2 }  // ^ { } \ [ ~ ] |
        table[0x0A] = 1  // LF
        table[0x0D] = 1  // CR
        table[0x0C] = 2  // form feed (extension)
        // Latin-1 letters and symbols of the basic set: £ ¥ è é ù ì ò Ç Ø ø Å å Æ æ ß É ¤ ¡ Ä Ö Ñ Ü § ¿ ä ö ñ ü à
        for value in [
            0xA3, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7, 0xD8, 0xF8, 0xC5, 0xE5, 0xC6, 0xE6,
            0xDF, 0xC9, 0xA4, 0xA1, 0xC4, 0xD6, 0xD1, 0xDC, 0xA7, 0xBF, 0xE4, 0xF6, 0xF1, 0xFC, 0xE0,
        ] {
            table[value] = 1
        }
        return table
    }()

    /// Septets one Unicode scalar costs in GSM-7: 1 (basic set), 2 (extension table) or 0 (not encodable).
    public static func septets(_ scalar: Unicode.Scalar) -> Int {
        septets(scalarValue: scalar.value)
    }

    /// Septets for a scalar value; see ``septets(_:)``.
    static func septets(scalarValue value: UInt32) -> Int {
        if value < 0x100 {
            return Int(latin1Cost[Int(value)])
        }
        switch value {
        // Greek capitals of the basic set: Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ
        case 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3, 0x0398, 0x039E:
            return 1
        case 0x20AC:  // € (extension)
            return 2
        default:
            return 0
        }
    }

    /// Whether a scalar is in the basic set or the extension table.
    public static func contains(_ scalar: Unicode.Scalar) -> Bool {
        septets(scalar) != 0
    }

    /// Whether every scalar of `text` can be sent in GSM-7.
    public static func canEncode(_ text: String) -> Bool {
        var utf8 = text.utf8.makeIterator()
        // ASCII fast path; fall back to scalars at the first non-ASCII byte.
        while let byte = utf8.next() {
            if byte >= 0x80 {
                return text.unicodeScalars.allSatisfy { septets(scalarValue: $0.value) != 0 }
            }
            if latin1Cost[Int(byte)] == 0 { return false }
        }
        return true
    }

    /// Septets `text` costs in GSM-7, or nil when some scalar is not encodable.
    public static func septetCount(_ text: String) -> Int? {
        var total = 0
        for scalar in text.unicodeScalars {
            let cost = septets(scalarValue: scalar.value)
            if cost == 0 { return nil }
            total += cost
        }
        return total
    }
}
