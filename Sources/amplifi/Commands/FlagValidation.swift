import AmplifiEngine
import AmplifiMessaging
import ArgumentParser

/// Checks numeric command-line flags in a command's `validate()`, so a bad value is refused up front
/// with a message naming the flag and its allowed range, instead of trapping later (NaN, a negative
/// or zero value where none makes sense, or one so large that a `Duration` overflows).
///
/// Every function returns the value in the type the command uses, or throws ArgumentParser's
/// `ValidationError` (exit status 64): `--rate must be between 0.01 and 10000 requests per second, got nan`.
enum FlagValidation {
    /// `value` when it is a finite number in `range`; `unit` names what it counts, for the message.
    static func number(_ value: Double, flag: String, in range: ClosedRange<Double>, unit: String) throws -> Double {
        guard value.isFinite, range.contains(value) else {
            throw refusal(
                flag: flag, low: text(range.lowerBound), high: text(range.upperBound), unit: unit, got: text(value))
        }
        return value
    }

    /// A rate (`unit` per second, e.g. "requests"): a finite number in `range`.
    static func rate(_ value: Double, flag: String, in range: ClosedRange<Double>, unit: String) throws -> Double {
        try number(value, flag: flag, in: range, unit: "\(unit) per second")
    }

    /// A share of attempts or messages: a probability in 0…1.
    static func share(_ value: Double, flag: String) throws -> Double {
        try number(value, flag: flag, in: 0...1, unit: "(a share: 0.05 is 5%)")
    }

    /// A whole count (`unit`, e.g. "messages") in `range`.
    static func count(_ value: Int, flag: String, in range: ClosedRange<Int>, unit: String) throws -> Int {
        guard range.contains(value) else {
            throw refusal(
                flag: flag, low: "\(range.lowerBound)", high: "\(range.upperBound)", unit: unit, got: "\(value)")
        }
        return value
    }

    /// A duration given in seconds (decimals allowed), in `range` seconds, as a `Duration`.
    static func seconds(_ value: Double, flag: String, in range: ClosedRange<Double>) throws -> Duration {
        Saturating.duration(seconds: try number(value, flag: flag, in: range, unit: "seconds"))
    }

    /// A duration given in whole milliseconds, in `range` milliseconds, as a `Duration`.
    static func milliseconds(_ value: Int, flag: String, in range: ClosedRange<Int>) throws -> Duration {
        .milliseconds(try count(value, flag: flag, in: range, unit: "milliseconds"))
    }

    /// A duration written like `90s`, `15m`, `1h30m` or `2d` (see `DurationText`), in `range`.
    static func duration(_ text: String, flag: String, in range: ClosedRange<Duration>) throws -> Duration {
        guard let duration = DurationText.parse(text) else {
            throw ValidationError("\(spelled(flag)) \"\(text)\" is not a duration: use e.g. 90s, 15m, 1h or 1h30m")
        }
        guard range.contains(duration) else {
            let low = "\(range.lowerBound.components.seconds)s"
            let high = "\(range.upperBound.components.seconds)s"
            throw refusal(flag: flag, low: low, high: high, unit: "", got: text)
        }
        return duration
    }

    /// `--flag must be between low and high unit, got value`.
    private static func refusal(flag: String, low: String, high: String, unit: String, got: String) -> ValidationError {
        let range = unit.isEmpty ? "between \(low) and \(high)" : "between \(low) and \(high) \(unit)"
        return ValidationError("\(spelled(flag)) must be \(range), got \(got)")
    }

    /// The flag as typed: `--name` (callers pass the name with or without its dashes).
    private static func spelled(_ flag: String) -> String {
        "--" + flag.drop(while: { $0 == "-" })
    }

    /// A number as a person writes it: `10000`, `0.01`, `nan`, `1e+300`.
    private static func text(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
