import Crypto

/// A Lua script run with `EVALSHA`: its source and the SHA1 Redis knows it by,
/// computed locally so the first call needs no `SCRIPT LOAD` round-trip.
///
/// Create scripts once (as `static let`s) and run them with
/// ``RedisConnection/evalScript(_:keys:arguments:)``, which loads the script when the
/// server does not have it (`NOSCRIPT`, e.g. after a restart or `SCRIPT FLUSH`).
public struct RedisScript: Sendable, Hashable {
    /// The Lua source.
    public let source: String
    /// The lowercase hex SHA1 of `source`, as `SCRIPT LOAD` returns it.
    public let sha1: String

    public init(_ source: String) {
        self.source = source
        self.sha1 = Insecure.SHA1.hash(data: Array(source.utf8))
            .map { byte in
                let hex = String(byte, radix: 16)
                return byte < 16 ? "0" + hex : hex
            }
            .joined()
    }
}
