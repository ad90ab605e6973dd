import ArgumentParser

/// Range checks of numeric command-line flags: a value out of range (or not a finite number) is
/// refused with a message naming the flag and what it accepts, instead of trapping later on an
/// overflow or running with a nonsensical setting.
enum FlagRange {
    /// Throws a `ValidationError` unless `value` is in `range`.
    static func check<Value: Comparable & CustomStringConvertible>(
        _ flag: String, _ value: Value, _ range: ClosedRange<Value>
    ) throws {
        guard range.contains(value) else {
            throw ValidationError("\(flag) must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
    }

    /// Throws a `ValidationError` unless `value` is finite and in `range`.
    static func check(_ flag: String, _ value: Double, _ range: ClosedRange<Double>) throws {
        guard value.isFinite, range.contains(value) else {
            throw ValidationError("\(flag) must be a number between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
    }
}
