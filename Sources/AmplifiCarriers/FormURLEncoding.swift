/// `application/x-www-form-urlencoded` as the WHATWG URL standard defines it: UTF-8, space as `+`,
/// only ASCII letters, digits and `*-._` left as they are, everything else `%XX` (upper-case hex).
public enum FormURLEncoding {
    /// Encodes fields in order (a repeated key, e.g. `MediaUrl`, appears once per value).
    public static func encode(_ fields: [(key: String, value: String)]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(fields.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 2 } * 3 / 2)
        for (position, field) in fields.enumerated() {
            if position > 0 { out.append(UInt8(ascii: "&")) }
            append(field.key, to: &out)
            out.append(UInt8(ascii: "="))
            append(field.value, to: &out)
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Encodes one component (a key or a value).
    public static func encodeComponent(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes a form body into fields, in order; `+` is a space, bad `%` escapes are kept literally,
    /// invalid UTF-8 is repaired with U+FFFD.
    public static func decode(_ body: String) -> [(key: String, value: String)] {
        var fields: [(key: String, value: String)] = []
        for pair in body.utf8.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            if let equals = pair.firstIndex(of: UInt8(ascii: "=")) {
                fields.append((unescape(pair[pair.startIndex..<equals]), unescape(pair[pair.index(after: equals)...])))
            } else {
                fields.append((unescape(pair), ""))
            }
        }
        return fields
    }

    /// Whether `byte` stays unescaped.
    @inline(__always)
    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "*"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "_"):
            true
        default: false
        }
    }

    /// Upper-case hex digits.
    private static let hex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Appends the escaped UTF-8 of `text`.
    private static func append(_ text: String, to out: inout [UInt8]) {
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else if byte == UInt8(ascii: " ") {
                out.append(UInt8(ascii: "+"))
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            }
        }
    }

    /// The value of one hex digit, or nil.
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Decodes `+` and `%XX` in one component.
    private static func unescape(_ bytes: Substring.UTF8View) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                let first = bytes.index(index, offsetBy: 1, limitedBy: bytes.endIndex), first < bytes.endIndex,
                let second = bytes.index(first, offsetBy: 1, limitedBy: bytes.endIndex), second < bytes.endIndex,
                let high = hexValue(bytes[first]), let low = hexValue(bytes[second])
            {
                out.append(high << 4 | low)
                index = second
            } else {
                out.append(byte)
            }
            index = bytes.index(after: index)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
