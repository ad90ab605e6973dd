/// The recipe of the fuzz tests' hostile inputs, shared by every test target that fuzzes a parser:
/// byte soups built from pieces that stress parsers (NUL and control bytes, invalid UTF-8 — a lone
/// continuation byte, a truncated sequence, an encoded surrogate, an overlong form — a BOM,
/// combining and prepend marks, a ZWJ sequence, delimiters), random bytes, and now and then (about
/// one input in eight) one piece repeated up to two thousand times (a huge input, deep nesting).
/// Callers draw the random codes from a fixed seed, so every run checks the same cases.
public enum HostileSoup {
    /// Pieces every soup draws from besides the caller's own.
    public static let commonAtoms: [[UInt8]] = [
        [0], [0x01], [0x7F], [0xFF], [0xC3], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80],
        Array("\u{FEFF}".utf8), Array("\u{0301}".utf8), Array("\u{0600}".utf8), Array("👨‍👩‍👧".utf8),
        Array("é".utf8), Array("\u{2028}".utf8), Array(" ".utf8), Array("\t".utf8), Array("\n".utf8),
        Array("\r\n".utf8), Array("\r".utf8), Array("\"".utf8), Array("'".utf8), Array("\\".utf8),
        Array("a".utf8), Array("Z".utf8), Array("0".utf8), Array("9".utf8), Array("-".utf8), Array(".".utf8),
    ]

    /// The soup `codes` (one random 64-bit draw per piece) make of `atoms`: each piece an atom, a
    /// random byte, or (one draw in 512) an atom repeated 200–2,000 times.
    public static func bytes(codes: some Sequence<UInt64>, atoms: [[UInt8]]) -> [UInt8] {
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

    /// `atom` `count` times over, built by doubling (one copy per step, fast in debug builds too).
    public static func repeated(_ atom: [UInt8], _ count: Int) -> [UInt8] {
        let total = atom.count * count
        var run = atom
        run.reserveCapacity(total)
        while !run.isEmpty, run.count * 2 <= total { run += run }
        run += run.prefix(total - run.count)
        return run
    }
}
