/// Twilio's `price` strings (`"-0.00750"`: negative means we were billed) in integer micros.
public enum TwilioPrice {
    /// The amount billed in millionths of the currency unit: `"-0.00750"` → 7500, `"0.001"` → -1000;
    /// digits past the sixth decimal are dropped; nil when `text` is not a decimal number.
    public static func billedMicros(_ text: String) -> Int64? {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var fractionDigits = 0
        var sawDigit = false
        var sawPoint = false
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard !sawPoint else { return nil }
                sawPoint = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            sawDigit = true
            let digit = Int64(byte - UInt8(ascii: "0"))
            if sawPoint {
                if fractionDigits < 6 {
                    fraction = fraction * 10 + digit
                    fractionDigits += 1
                }
            } else {
                let (product, overflow) = whole.multipliedReportingOverflow(by: 10)
                guard !overflow, product <= Int64.max / 1_000_000 - 10 else { return nil }
                whole = product + digit
            }
        }
        guard sawDigit else { return nil }
        while fractionDigits < 6 {
            fraction *= 10
            fractionDigits += 1
        }
        let micros = whole * 1_000_000 + fraction
        return negative ? micros : -micros
    }

    /// Twilio's string for an amount billed in micros: 7500 → `"-0.00750"` (five decimals, as Twilio
    /// writes SMS prices); a credit (negative micros) has no minus sign.
    public static func text(billedMicros micros: Int64) -> String {
        let magnitude = micros.magnitude
        let whole = magnitude / 1_000_000
        var fraction = String(magnitude % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        if fraction.hasSuffix("0") { fraction.removeLast() }
        return (micros > 0 ? "-" : "") + "\(whole).\(fraction)"
    }
}
