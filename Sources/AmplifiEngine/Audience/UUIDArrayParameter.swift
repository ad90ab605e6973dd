import AmplifiPostgres
import Foundation

/// A `uuid[]` parameter written without Foundation's per-id formatting (the
/// A/B planner binds a thousand ids per page; `uuidString` + lowercasing +
/// array quoting cost more than the page's SQL). UUIDs need no quoting in an
/// array literal, so the text is `{hex-id,hex-id,…}`.
struct UUIDArrayParameter: PostgresEncodable {
    let ids: [UUID]

    var postgresText: String? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(2 + ids.count * 37)
        bytes.append(UInt8(ascii: "{"))
        for (index, id) in ids.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            UUIDText.append(id, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Fast canonical (8-4-4-4-12, lower-case) UUID text, both ways.
enum UUIDText {
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends the canonical lower-case text of `id`.
    static func append(_ id: UUID, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: id.uuid) { raw in
            for (index, byte) in raw.enumerated() {
                if index == 4 || index == 6 || index == 8 || index == 10 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            }
        }
    }

    /// Parses Postgres' uuid output (canonical, either case); nil for anything else.
    static func parse(_ text: String) -> UUID? {
        let utf8 = text.utf8
        return utf8.withContiguousStorageIfAvailable(parse(bytes:)) ?? UUID(uuidString: text)
    }

    private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> UUID? {
        guard bytes.count == 36 else { return nil }
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let ok = withUnsafeMutableBytes(of: &raw) { out -> Bool in
            var position = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    guard bytes[position] == UInt8(ascii: "-") else { return false }
                    position += 1
                }
                guard let high = nibble(bytes[position]), let low = nibble(bytes[position + 1]) else { return false }
                out[index] = high << 4 | low
                position += 2
            }
            return true
        }
        return ok ? UUID(uuid: raw) : nil
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: byte - 48
        case 97...102: byte - 87
        case 65...70: byte - 55
        default: nil
        }
    }
}
