import AmplifiHTTP
import Testing

/// Request ids: 26 characters of Crockford base 32, time first, so they sort by time.
@Suite struct ULIDTests {
    /// A generator that always answers `value`.
    struct Fixed: RandomNumberGenerator {
        var value: UInt64
        mutating func next() -> UInt64 { value }
    }

    @Test func knownValuesEncodeAsTheSpecificationSays() {
        var zero = Fixed(value: 0)
        #expect(ULID(milliseconds: 0, using: &zero).description == "00000000000000000000000000")
        var ones = Fixed(value: .max)
        // The largest time (48 bits) and randomness: 7 then 25 Z's.
        #expect(ULID(milliseconds: (1 << 48) - 1, using: &ones).description == "7ZZZZZZZZZZZZZZZZZZZZZZZZZ")
        var none = Fixed(value: 0)
        // 1,469,918,176,385 ms is 01ARYZ6S41 in the ULID specification's example.
        #expect(ULID(milliseconds: 1_469_918_176_385, using: &none).description.hasPrefix("01ARYZ6S41"))
    }

    @Test func laterIDsSortAfterEarlierOnes() {
        var generator = SystemRandomNumberGenerator()
        let times: [UInt64] = [0, 1, 31, 32, 1_000, 1_700_000_000_000, 1_700_000_000_001, (1 << 48) - 1]
        let texts = times.map { ULID(milliseconds: $0, using: &generator).description }
        #expect(texts == texts.sorted())
        #expect(texts.allSatisfy { $0.utf8.count == 26 })
        let alphabet = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        #expect(ULID().description.allSatisfy { alphabet.contains($0) })
    }
}
