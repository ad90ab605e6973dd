import AmplifiCarriers

/// Seeded hostile byte soups for the engine's fuzz tests: pieces that stress parsers (delimiters,
/// escapes, NUL, invalid UTF-8, long runs) drawn by SplitMix64 from a fixed seed, so every run checks
/// the same cases. (This target has no property-based package; the recipe is the one of
/// AmplifiCarriersTests' `HostileInput`.)
struct HostileBytes {
    /// Pieces every soup draws from besides the caller's: NUL, control bytes, invalid UTF-8 (lone
    /// continuation, truncated sequence, encoded surrogate, overlong form), a BOM, a combining mark.
    static let commonAtoms: [[UInt8]] = [
        [0], [0x01], [0x7F], [0xFF], [0xC3], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80],
        Array("\u{FEFF}".utf8), Array("\u{0301}".utf8), Array("é".utf8), Array(" ".utf8), Array("a".utf8),
        Array("0".utf8), Array("\n".utf8), Array("\r\n".utf8), Array("\r".utf8),
    ]

    var random: SplitMix64
    let atoms: [[UInt8]]

    /// A soup of `extra` and the common pieces, seeded with `seed`.
    init(seed: UInt64, extra: [String]) {
        self.random = SplitMix64(seed: seed)
        self.atoms = extra.map { Array($0.utf8) } + Self.commonAtoms
    }

    /// A random number in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        Int.random(in: range, using: &random)
    }

    /// The next input: `pieces` pieces, each an atom, a random byte, or now and then (about one input
    /// in eight) an atom repeated up to two thousand times (past every cap the tests set).
    mutating func next(pieces: ClosedRange<Int> = 0...120) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<int(in: pieces) {
            let atom = atoms[int(in: 0...(atoms.count - 1))]
            switch int(in: 0...511) {
            case 0: out += Self.repeated(atom, int(in: 200...2_000))
            case 1...64: out.append(UInt8.random(in: 0...255, using: &random))
            default: out += atom
            }
        }
        return out
    }

    /// `atom` `count` times over, built by doubling (one copy per step, fast in debug builds too).
    static func repeated(_ atom: [UInt8], _ count: Int) -> [UInt8] {
        let total = atom.count * count
        var run = atom
        run.reserveCapacity(total)
        while !run.isEmpty, run.count * 2 <= total { run += run }
        run += run.prefix(total - run.count)
        return run
    }
}
