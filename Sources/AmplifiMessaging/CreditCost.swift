/// What a message costs in credits (SMS one per segment, MMS two per message: docs/product-rules.md#credits).
public enum CreditCost {
    /// Credits one MMS costs.
    public static let mmsCredits = 2

    /// Credits for a message sent on `route` with `segments` SMS segments.
    public static func credits(route: MessageRoute, segments: Int) -> Int {
        switch route {
        case .sms: segments
        case .mms: mmsCredits
        }
    }
}
