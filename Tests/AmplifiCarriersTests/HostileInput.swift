import AmplifiTestSupport
import PropertyBased
import Testing

/// Seeded generators of hostile input for the fuzz tests: byte soups built from pieces that stress
/// parsers (delimiters, escapes, NUL, invalid UTF-8, combining marks, long runs), and a seeded
/// runner so every CI run checks the same cases.
enum HostileInput {
    /// Bytes built from `extra` pieces and the common ones (`HostileSoup`).
    static func bytes(_ extra: [[UInt8]], pieces: ClosedRange<Int> = 0...120)
        -> Generator<[UInt8], some Sequence & SendableMetatype>
    {
        let atoms = extra + HostileSoup.commonAtoms
        return Gen<UInt64>.value(in: 0...UInt64.max).array(of: pieces).map { codes in
            HostileSoup.bytes(codes: codes, atoms: atoms)
        }
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
