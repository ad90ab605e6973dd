/// One argument of a Redis command, as the bytes sent to the server.
///
/// Arguments are binary-safe: a value may hold NUL, CR/LF or bytes that are not UTF-8.
/// Literals work directly (`["SET", "key", 42]`); other values go through an initializer
/// (`["SET", .init(key), .init(bytes)]`).
public struct RedisArgument: Sendable, Hashable, ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral {
    /// The bytes sent for this argument.
    public var bytes: [UInt8]

    /// The UTF-8 bytes of `string`.
    public init(_ string: String) { self.bytes = Array(string.utf8) }
    /// The UTF-8 bytes of `string`.
    public init(_ string: Substring) { self.bytes = Array(string.utf8) }
    /// Raw bytes, sent as they are.
    public init(_ bytes: [UInt8]) { self.bytes = bytes }
    /// The decimal representation Redis parses as an integer.
    public init(_ value: Int) { self.bytes = Array(String(value).utf8) }
    /// A representation Redis parses as a double (`inf`/`-inf` included); NaN is
    /// rejected by the server.
    public init(_ value: Double) { self.bytes = Array(value.description.utf8) }
    /// A duration in whole milliseconds, rounded down (`PX`, `BLOCK`, `min-idle-time`).
    public init(milliseconds duration: Duration) { self.init(duration.wholeMilliseconds) }

    public init(stringLiteral value: String) { self.init(value) }
    public init(integerLiteral value: Int) { self.init(value) }
}

extension Duration {
    /// Whole milliseconds, rounded down, never negative.
    var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        // Saturating: a duration past Int's milliseconds (never a real timeout) is clamped, not a trap.
        let (millis, overflow) = Int(seconds).multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? 0 : .max }
        return max(0, millis.addingReportingOverflow(Int(attoseconds / 1_000_000_000_000_000)).partialValue)
    }
}
