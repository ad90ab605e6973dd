/// Number conversions that clamp instead of trapping: a NaN, an infinity or a value past the
/// integer's range (a flag of `1e300`, a rate of `1e-10`, a carrier's odd header) never reaches
/// `Int(_:)` or an overflowing `*`.
public enum Saturating {
    /// `value` rounded by `rule`, clamped to `Int64`'s range; NaN becomes `nan`.
    public static func int64(
        _ value: Double, rounding rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero, nan: Int64 = 0
    ) -> Int64 {
        guard !value.isNaN else { return nan }
        let rounded = value.rounded(rule)
        // 2^63 is the first Double past Int64.max; -2^63 is exactly Int64.min.
        if rounded >= 0x1p63 { return .max }
        if rounded < -0x1p63 { return .min }
        return Int64(rounded)
    }

    /// `value` rounded by `rule`, clamped to `Int`'s range; NaN becomes `nan`.
    public static func int(
        _ value: Double, rounding rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero, nan: Int = 0
    ) -> Int {
        Int(int64(value, rounding: rule, nan: Int64(nan)))
    }

    /// `a × b`, or the bound of `T` it overflowed towards.
    public static func product<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T {
        let (result, overflow) = a.multipliedReportingOverflow(by: b)
        guard overflow else { return result }
        return (a < 0) == (b < 0) ? .max : .min
    }

    /// `a + b`, or the bound of `T` it overflowed towards.
    public static func sum<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T {
        let (result, overflow) = a.addingReportingOverflow(b)
        guard overflow else { return result }
        return b < 0 ? .min : .max
    }

    /// `a − b`, or the bound of `T` it overflowed towards.
    public static func difference<T: FixedWidthInteger & SignedInteger>(_ a: T, _ b: T) -> T {
        let (result, overflow) = a.subtractingReportingOverflow(b)
        guard overflow else { return result }
        return b < 0 ? .max : .min
    }

    /// A whole number of `units` per second in `duration` (1_000 for milliseconds, 1_000_000 for
    /// microseconds, …), rounded down or, with `roundingUp`, up; clamped to `Int64`'s range.
    public static func count(_ duration: Duration, unitsPerSecond: Int64, roundingUp: Bool = false) -> Int64 {
        let (seconds, attoseconds) = duration.components
        let attosecondsPerUnit = 1_000_000_000_000_000_000 / unitsPerSecond
        var fraction = attoseconds / attosecondsPerUnit
        if roundingUp, attoseconds % attosecondsPerUnit > 0 { fraction += 1 }
        return sum(product(seconds, unitsPerSecond), fraction)
    }

    /// `seconds` as a `Duration` of whole milliseconds (NaN is zero; beyond `Int64` milliseconds, clamped).
    public static func duration(seconds: Double) -> Duration {
        .milliseconds(int64(seconds * 1_000))
    }
}
