import Foundation

/// UUIDs in Postgres' canonical text form (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, lower case),
/// written and read byte by byte: a send batch binds and decodes thousands of them, and
/// Foundation's `uuidString` / `UUID(uuidString:)` go through formatted I/O.
enum PostgresUUIDText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// The canonical lower-case form of `uuid`.
    static func format(_ uuid: UUID) -> String {
        withUnsafeBytes(of: uuid.uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { buffer in
                var out = 0
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        buffer[out] = UInt8(ascii: "-")
                        out += 1
                    }
                    buffer[out] = hexDigits[Int(byte >> 4)]
                    buffer[out + 1] = hexDigits[Int(byte & 0x0F)]
                    out += 2
                }
                return out
            }
        }
    }

    /// The UUID in `text` (canonical form, either case); falls back to Foundation's parser for any
    /// other spelling, nil when neither understands it.
    static func parse(_ text: String) -> UUID? {
        var text = text
        let fast: UUID? = text.withUTF8 { bytes in
            guard bytes.count == 36 else { return nil }
            var raw = [UInt8](repeating: 0, count: 16)
            var index = 0
            var position = 0
            while position < 36 {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard bytes[position] == UInt8(ascii: "-") else { return nil }
                    position += 1
                    continue
                }
                guard let high = hexValue(bytes[position]), let low = hexValue(bytes[position + 1]) else { return nil }
                raw[index] = high << 4 | low
                index += 1
                position += 2
            }
            return UUID(
                uuid: (
                    raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9], raw[10], raw[11],
                    raw[12], raw[13], raw[14], raw[15]
                ))
        }
        return fast ?? UUID(uuidString: text)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
