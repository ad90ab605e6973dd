/// Redis Cluster's hash slot of a key, computed as Redis does (`keyHashSlot` in cluster.c):
/// CRC16-XMODEM (polynomial 0x1021, initial value 0, no reflection, no final xor) of the key's
/// hash tag, modulo 16384. The hash tag is what lies between the key's first `{` and the first `}`
/// after it, when that is not empty; otherwise the whole key is hashed.
enum RedisClusterSlot {
    /// Hash slots in a Redis Cluster.
    static let count = 16_384

    /// The slot of `key` (its UTF-8 bytes, as the client sends them).
    static func slot(_ key: String) -> Int {
        Int(crc16(hashTag(Array(key.utf8)))) % count
    }

    /// The bytes Redis hashes for `key`.
    static func hashTag(_ key: [UInt8]) -> ArraySlice<UInt8> {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")),
            let close = key[(open + 1)...].firstIndex(of: UInt8(ascii: "}")),
            close > open + 1
        else { return key[...] }
        return key[(open + 1)..<close]
    }

    /// CRC16-XMODEM, bit by bit (speed does not matter in a test).
    static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc ^= UInt16(byte) << 8
            for _ in 0..<8 {
                crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1
            }
        }
        return crc
    }
}
