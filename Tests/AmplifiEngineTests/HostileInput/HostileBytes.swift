import AmplifiCarriers
import AmplifiTestSupport

/// Seeded hostile byte soups for the engine's fuzz tests: pieces that stress parsers (delimiters,
/// escapes, NUL, invalid UTF-8, long runs) drawn by SplitMix64 from a fixed seed, so every run checks
/// the same cases (the recipe is `HostileSoup`'s, shared with AmplifiCarriersTests).
struct HostileBytes {
    var random: SplitMix64
    let atoms: [[UInt8]]

    /// A soup of `extra` and the common pieces, seeded with `seed`.
    init(seed: UInt64, extra: [String]) {
        self.random = SplitMix64(seed: seed)
        self.atoms = extra.map { Array($0.utf8) } + HostileSoup.commonAtoms
    }

    /// A random number in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &random)
    }

    /// The next input: `pieces` pieces drawn by `HostileSoup`'s recipe.
    mutating func next(pieces: ClosedRange<Int> = 0...120) -> [UInt8] {
        let codes = (0..<int(in: pieces)).map { _ in random.next() }
        return HostileSoup.bytes(codes: codes, atoms: atoms)
    }
}
