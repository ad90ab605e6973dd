import AmplifiMessaging
import Testing

/// Conversions that clamp instead of trapping.
@Suite struct SaturatingTests {
    @Test(arguments: [
        (Double.nan, Int64(0)), (.infinity, .max), (-.infinity, .min), (1e300, .max), (-1e300, .min),
        (0x1p63, .max), (-0x1p63, .min), (9_223_372_036_854_774_784, 9_223_372_036_854_774_784), (1.5, 2), (-1.5, -2),
    ])
    func doublesClampToInt64(_ value: Double, _ expected: Int64) {
        #expect(Saturating.int64(value) == expected)
    }

    @Test func roundingAndNaN() {
        #expect(Saturating.int64(1.2, rounding: .up) == 2)
        #expect(Saturating.int64(.nan, nan: 7) == 7)
        #expect(Saturating.int(1e19) == .max)
    }

    @Test func integerArithmeticClamps() {
        #expect(Saturating.product(Int64.max, 2) == .max)
        #expect(Saturating.product(Int64.min, 2) == .min)
        #expect(Saturating.product(-3, Int64.max) == .min)
        #expect(Saturating.product(6, 7) == 42)
        #expect(Saturating.sum(Int.max, 1) == .max)
        #expect(Saturating.sum(Int.min, -1) == .min)
        #expect(Saturating.difference(Int.max, -1) == .max)
        #expect(Saturating.difference(Int.min, 1) == .min)
        #expect(Saturating.difference(5, 7) == -2)
    }

    @Test func durationsCount() {
        #expect(Saturating.count(.milliseconds(1_500), unitsPerSecond: 1_000) == 1_500)
        #expect(Saturating.count(.nanoseconds(1), unitsPerSecond: 1_000_000, roundingUp: true) == 1)
        #expect(Saturating.count(.nanoseconds(1), unitsPerSecond: 1_000_000) == 0)
        #expect(Saturating.count(.seconds(Int64.max), unitsPerSecond: 1_000_000_000) == .max)
        #expect(Saturating.count(.seconds(Int64.min), unitsPerSecond: 1_000) == .min)
        #expect(Saturating.duration(seconds: 1e300) == .milliseconds(Int64.max))
        #expect(Saturating.duration(seconds: .nan) == .zero)
        #expect(Saturating.duration(seconds: 1.5) == .milliseconds(1_500))
    }
}
