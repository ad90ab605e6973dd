import Foundation

/// A ULID (Universally Unique Lexicographically Sortable Identifier): 48 bits of milliseconds since
/// 1970 and 80 random bits, written as 26 characters of Crockford's base 32. Request ids are ULIDs,
/// so they sort by time in logs and say roughly when a request came.
public struct ULID: Sendable, Hashable, CustomStringConvertible {
    /// Crockford's base-32 alphabet (no I, L, O or U).
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// Milliseconds since 1970 (the low 48 bits are kept).
    public let milliseconds: UInt64
    /// The 80 random bits: the high 16 in `randomHigh`, the low 64 in `randomLow`.
    public let randomHigh: UInt16
    public let randomLow: UInt64

    /// A ULID for `milliseconds` with bits drawn from `generator`.
    public init(milliseconds: UInt64, using generator: inout some RandomNumberGenerator) {
        self.milliseconds = milliseconds & 0xFFFF_FFFF_FFFF
        self.randomHigh = UInt16.random(in: .min ... .max, using: &generator)
        self.randomLow = UInt64.random(in: .min ... .max, using: &generator)
    }

    /// A ULID for now, with system randomness.
    public init() {
        var generator = SystemRandomNumberGenerator()
        self.init(milliseconds: UInt64(max(0, Date().timeIntervalSince1970 * 1_000)), using: &generator)
    }

    /// The 26-character text: 10 characters of time, then 16 of randomness, most significant first.
    public var description: String {
        var characters = [UInt8](repeating: 0, count: 26)
        // 130 bits of text for 128 of value: the time's 48 bits fill 10 characters (50 bits, the top
        // two zero), the random 80 bits exactly 16.
        var time = milliseconds
        for index in stride(from: 9, through: 0, by: -1) {
            characters[index] = Self.alphabet[Int(time & 31)]
            time >>= 5
        }
        var low = randomLow
        var high = UInt64(randomHigh)
        for index in stride(from: 25, through: 10, by: -1) {
            characters[index] = Self.alphabet[Int(low & 31)]
            low = (low >> 5) | ((high & 31) << 59)
            high >>= 5
        }
        return String(decoding: characters, as: UTF8.self)
    }
}
