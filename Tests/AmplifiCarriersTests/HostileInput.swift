import PropertyBased
import Testing

/// Seeded generators of hostile input for the fuzz tests: byte soups built from pieces that stress
/// parsers (delimiters, escapes, NUL, invalid UTF-8, combining marks, long runs), and a seeded
/// runner so every CI run checks the same cases.
enum HostileInput {
    /// Pieces every soup draws from: NUL and control bytes, invalid UTF-8 (a lone continuation
    /// byte, a truncated sequence, an encoded surrogate, an overlong form), a BOM, combining and
    /// prepend marks, a ZWJ sequence, and the delimiters most text formats care about.
    static let commonAtoms: [[UInt8]] = [
        [0], [0x01], [0x7F], [0xFF], [0xC3], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80],
        Array("\u{FEFF}".utf8), Array("\u{0301}".utf8), Array("\u{0600}".utf8), Array("👨‍👩‍👧".utf8),
        Array("é".utf8), Array("\u{2028}".utf8), Array(" ".utf8), Array("\t".utf8), Array("\n".utf8),
        Array("\r\n".utf8), Array("\r".utf8), Array("\"".utf8), Array("'".utf8), Array("\\".utf8),
        Array("a".utf8), Array("Z".utf8), Array("0".utf8), Array("9".utf8), Array("-".utf8), Array(".".utf8),
    ]

    /// Bytes built from `extra` pieces and `commonAtoms`, random bytes, and now and then (about one
    /// input in eight) one piece repeated up to two thousand times (a huge input, deep nesting).
    static func bytes(_ extra: [[UInt8]], pieces: ClosedRange<Int> = 0...120)
        -> Generator<[UInt8], some Sequence & SendableMetatype>
    {
        let atoms = extra + commonAtoms
        return Gen<UInt64>.value(in: 0...UInt64.max).array(of: pieces).map { codes in
            var out: [UInt8] = []
            for code in codes {
                let atom = atoms[Int(code % UInt64(atoms.count))]
                switch (code >> 32) % 512 {
                case 0: out += repeated(atom, 200 + Int((code >> 40) % 1_800))
                case 1...64: out.append(UInt8(truncatingIfNeeded: code >> 16))
                default: out += atom
                }
            }
            return out
        }
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

    /// `bytes` as a Swift string (invalid UTF-8 repaired to U+FFFD, as any String input would be).
    static func text(_ extra: [String], pieces: ClosedRange<Int> = 0...120)
        -> Generator<String, some Sequence & SendableMetatype>
    {
        bytes(extra.map { Array($0.utf8) }, pieces: pieces).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Runs `body` on `count` inputs drawn from `input` by a generator seeded with `seed`, so a failure
/// reproduces on every run and machine (`propertyCheck` draws a fresh random seed per case). Each
/// expectation in `body` should name its input, since the case is not reported otherwise.
///
/// Yields every few cases: a fuzz loop must not hold a cooperative thread for seconds, or tests
/// beside it that wait on I/O (a 300 ms deadline) starve on a two-core machine.
func seededCheck<T>(
    count: Int, seed: UInt64, input: Generator<T, some Sequence & SendableMetatype>, _ body: (T) throws -> Void
) async rethrows {
    var random = Xoshiro(seed: (seed, seed ^ 0x9E37_79B9_7F4A_7C15, ~seed, seed &* 0xD1B5_4A32_D192_ED03 | 1))
    for index in 0..<count {
        if index % 32 == 0 { await Task.yield() }
        try body(input.run(using: &random))
    }
}
