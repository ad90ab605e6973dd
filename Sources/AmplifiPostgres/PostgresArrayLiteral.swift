/// Encodes and parses one-dimensional Postgres array literals in text format
/// (`{a,"b c",NULL}`).
enum PostgresArrayLiteral {
    /// Every element is double-quoted (so commas, braces, spaces and the word NULL
    /// inside values are safe); nil elements become an unquoted NULL. Built as UTF-8 bytes: a
    /// send batch binds arrays of thousands of elements. `"` and `\` are ASCII and never part of
    /// a multi-byte sequence, so escaping byte by byte is exact.
    static func encode(_ elements: some Sequence<String?>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(elements.underestimatedCount * 24 + 2)
        out.append(UInt8(ascii: "{"))
        var first = true
        for element in elements {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            guard var element else {
                out.append(contentsOf: "NULL".utf8)
                continue
            }
            out.append(UInt8(ascii: "\""))
            element.withUTF8 { bytes in
                if !bytes.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                    out.append(contentsOf: bytes)
                    return
                }
                for byte in bytes {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                    out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses the output form of a one-dimensional array. Returns nil when the text is
    /// not an array literal this parser understands (e.g. multi-dimensional).
    static func parse(_ text: String) -> [String?]? {
        var bytes = Array(text.utf8)[...]
        // Arrays with non-default bounds print as "[0:1]={...}".
        if bytes.first == UInt8(ascii: "["), let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
            bytes = bytes[(equals + 1)...]
        }
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        bytes = bytes.dropFirst().dropLast()
        var elements: [String?] = []
        if bytes.isEmpty { return elements }
        var index = bytes.startIndex
        while index <= bytes.endIndex {
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "{") { return nil }
            if index < bytes.endIndex, bytes[index] == UInt8(ascii: "\"") {
                var value: [UInt8] = []
                index += 1
                while index < bytes.endIndex, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < bytes.endIndex else { return nil }
                    value.append(bytes[index])
                    index += 1
                }
                guard index < bytes.endIndex else { return nil }
                index += 1  // closing quote
                elements.append(String(decoding: value, as: UTF8.self))
            } else {
                let end = bytes[index...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.endIndex
                let raw = bytes[index..<end]
                let isNull = raw.elementsEqual("NULL".utf8)
                elements.append(isNull ? nil : String(decoding: raw, as: UTF8.self))
                index = end
            }
            guard index < bytes.endIndex else { break }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
        return elements
    }
}
