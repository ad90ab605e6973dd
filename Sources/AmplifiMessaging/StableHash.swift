public import Foundation

/// A fixed, process-independent 64-bit hash (FNV-1a with a SplitMix64 finalizer).
///
/// Unlike Swift's `Hasher`, which is randomly seeded per process, it gives the same value
/// on every machine, every run and every retry — so it may be stored and compared.
public enum StableHash {
    /// FNV-1a 64-bit offset basis.
    private static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    /// FNV-1a 64-bit prime.
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    /// The hash of the 32 bytes of two UUIDs (`first`'s bytes, then `second`'s).
    public static func hash(_ first: UUID, _ second: UUID) -> UInt64 {
        var state = offsetBasis
        withUnsafeBytes(of: first.uuid) { bytes in
            for byte in bytes { state = (state ^ UInt64(byte)) &* prime }
        }
        withUnsafeBytes(of: second.uuid) { bytes in
            for byte in bytes { state = (state ^ UInt64(byte)) &* prime }
        }
        return finalize(state)
    }

    /// The hash of arbitrary bytes.
    public static func hash(bytes: some Sequence<UInt8>) -> UInt64 {
        var state = offsetBasis
        for byte in bytes { state = (state ^ UInt64(byte)) &* prime }
        return finalize(state)
    }

    /// SplitMix64's mixer: spreads FNV's weak low bits over the whole word.
    private static func finalize(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
