/// Unicode characters with a GSM-7 stand-in, after Twilio's Smart Encoding table
/// (quotes, primes, dashes, ellipsis, unusual spaces, fullwidth forms, fractions).
enum SmartEncodingTable {
    /// The GSM-7 replacement for `value`, `""` for invisible characters that are removed,
    /// or nil when the scalar has no stand-in (it is then kept as is).
    static func replacement(for value: UInt32) -> String? {
        switch value {
        // Fullwidth ASCII forms (！ through ～) map to ASCII by a fixed offset.
        case 0xFF01...0xFF5E:
            return fullwidthReplacement(value)
        // Double quotes, guillemets, double primes.
        case 0x00AB, 0x00BB, 0x201C, 0x201D, 0x201E, 0x201F, 0x02BA, 0x02EE, 0x2033, 0x2036,
            0x275D, 0x275E, 0x301D, 0x301E, 0x301F:
            return "\""
        // Single quotes, apostrophes, primes, acute and grave accents.
        case 0x2018, 0x2019, 0x201A, 0x201B, 0x02B9, 0x02BB, 0x02BC, 0x02BD, 0x02C8, 0x02CA, 0x02CB,
            0x00B4, 0x0060, 0x2032, 0x2035, 0x275B, 0x275C, 0x0313, 0x0314, 0xFE10, 0xFE11:
            return "'"
        // Hyphens, dashes, minus, soft hyphen.
        case 0x00AD, 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2043, 0x2212, 0xFE58, 0xFE63:
            return "-"
        // Ellipsis.
        case 0x2026, 0xFE19:
            return "..."
        // Spaces of every width, and tab.
        case 0x0009, 0x00A0, 0x1680, 0x2000...0x200A, 0x202F, 0x205F, 0x3000:
            return " "
        // Line and paragraph separators.
        case 0x2028, 0x2029:
            return "\n"
        // Invisible characters with no meaning in a text message (not ZWJ/ZWNJ, which emoji and scripts need).
        case 0x200B, 0x2060, 0xFEFF:
            return ""
        // Slashes and fractions.
        case 0x00F7, 0x2044, 0x2215, 0x29F8, 0x0337, 0x0338:
            return "/"
        case 0x00BC: return "1/4"
        case 0x00BD: return "1/2"
        case 0x00BE: return "3/4"
        case 0x29F5, 0x29F9, 0x20E5, 0xFE68:
            return "\\"
        // Low lines.
        case 0x0332, 0x0333, 0x2017, 0xFE4D, 0xFE4E, 0xFE4F:
            return "_"
        // Commas, full stops, colons, semicolons.
        case 0x00B8, 0xFE50, 0xFE51:
            return ","
        case 0xFE52:
            return "."
        case 0x02D0, 0x2236, 0xFE13, 0xFE55:
            return ":"
        case 0x037E, 0xFE14, 0xFE54:
            return ";"
        // Angle brackets.
        case 0x02C2, 0x2039, 0x2329, 0x27E8, 0x3008, 0xFE64:
            return "<"
        case 0x02C3, 0x203A, 0x232A, 0x27E9, 0x3009, 0xFE65:
            return ">"
        // Carets and tildes.
        case 0x02C4, 0x02C6, 0x0302, 0x2038:
            return "^"
        case 0x02DC, 0x0303, 0x2053, 0x223C:
            return "~"
        // Exclamation and question marks.
        case 0x01C3, 0xFE15, 0xFE57:
            return "!"
        case 0x203C: return "!!"
        case 0xFE16, 0xFE56:
            return "?"
        case 0x2047: return "??"
        case 0x2048: return "?!"
        case 0x2049: return "!?"
        // Small forms of ASCII symbols.
        case 0xFE5F: return "#"
        case 0xFE69: return "$"
        case 0x066A, 0xFE6A: return "%"
        case 0xFE60: return "&"
        case 0xFE59, 0x207D, 0x208D: return "("
        case 0xFE5A, 0x207E, 0x208E: return ")"
        case 0x2217, 0xFE61: return "*"
        case 0xFE62: return "+"
        case 0xFE66: return "="
        case 0xFE6B: return "@"
        case 0xFE5B: return "{"
        case 0xFE5C: return "}"
        case 0x01C0: return "|"
        default:
            return nil
        }
    }

    /// Maps a fullwidth ASCII form (U+FF01–U+FF5E) to its ASCII character.
    private static func fullwidthReplacement(_ value: UInt32) -> String? {
        let ascii = value - 0xFEE0
        if ascii == 0x60 { return "'" }  // fullwidth grave accent: backtick is not GSM-7
        guard let scalar = Unicode.Scalar(ascii) else { return nil }
        return String(Character(scalar))
    }
}
