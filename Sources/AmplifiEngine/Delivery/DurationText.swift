/// Parses short human durations for command-line options: `90s`, `15m`, `1h`, `2d`, `1h30m`.
///
/// One or more `<whole number><unit>` groups, units `s`, `m`, `h`, `d`; no spaces, no bare numbers
/// (a unit-less `15` is ambiguous), nothing negative.
public enum DurationText {
    /// The duration `text` spells, or nil when it is not in the format above.
    public static func parse(_ text: String) -> Duration? {
        var total: Int64 = 0
        var digits: Int64?
        var sawGroup = false
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                let (times, overflow1) = (digits ?? 0).multipliedReportingOverflow(by: 10)
                let (plus, overflow2) = times.addingReportingOverflow(Int64(digit))
                guard !overflow1, !overflow2 else { return nil }
                digits = plus
                continue
            }
            guard let value = digits, let unit = unitSeconds(character) else { return nil }
            let (seconds, overflow1) = value.multipliedReportingOverflow(by: unit)
            let (sum, overflow2) = total.addingReportingOverflow(seconds)
            guard !overflow1, !overflow2 else { return nil }
            total = sum
            digits = nil
            sawGroup = true
        }
        guard sawGroup, digits == nil else { return nil }
        return .seconds(total)
    }

    /// Seconds per unit letter.
    private static func unitSeconds(_ unit: Character) -> Int64? {
        switch unit {
        case "s": 1
        case "m": 60
        case "h": 3_600
        case "d": 86_400
        default: nil
        }
    }
}
