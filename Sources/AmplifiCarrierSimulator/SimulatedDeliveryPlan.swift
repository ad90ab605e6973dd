import AmplifiCarriers

/// What happens to one accepted message after the 201: how it ends, and how its status callbacks
/// are posted (order, duplicates). Drawn from the seed and the message's creation number, so a run
/// with the same seed and the same request order repeats exactly.
struct SimulatedDeliveryPlan: Hashable, Sendable {
    /// The final status: `delivered`, `undelivered` or `failed`.
    let finalStatus: DeliveryStatus
    /// Twilio's error code for `undelivered` (30003/30005/30006) and `failed` (30008); nil when delivered.
    let errorCode: Int?
    /// Whether the last two callbacks are posted in the wrong order.
    let outOfOrder: Bool
    /// Whether one callback is posted twice.
    let duplicated: Bool

    /// The undelivered codes, drawn evenly: unreachable handset, unknown destination, landline.
    static let undeliveredCodes = [30003, 30005, 30006]
    /// The failed code: unknown error.
    static let failedCode = 30008

    /// The plan for the `sequence`-th accepted message under `configuration`.
    init(sequence: UInt64, configuration: CarrierSimulatorConfiguration) {
        var random = SplitMix64(seed: configuration.carrier.seed ^ (sequence &* 0xD1B5_4A32_D192_ED03))
        let outcome = Self.unit(random.next())
        if outcome < configuration.failedRate {
            finalStatus = .failed
            errorCode = Self.failedCode
        } else if outcome < configuration.failedRate + configuration.undeliveredRate {
            finalStatus = .undelivered
            errorCode = Self.undeliveredCodes[Int(random.next() % UInt64(Self.undeliveredCodes.count))]
        } else {
            finalStatus = .delivered
            errorCode = nil
        }
        outOfOrder = Self.unit(random.next()) < configuration.outOfOrderRate
        duplicated = Self.unit(random.next()) < configuration.duplicateRate
    }

    /// The statuses the message moves through, in time order: queued → sent → final
    /// (a failed message never reaches `sent`).
    var timeline: [DeliveryStatus] {
        finalStatus == .failed ? [.queued, .failed] : [.queued, .sent, finalStatus]
    }

    /// The callbacks in posting order: the timeline, with the last two swapped when out of order
    /// and the final status repeated when duplicated.
    var callbacks: [DeliveryStatus] {
        var steps = timeline
        if outOfOrder { steps.swapAt(steps.count - 1, steps.count - 2) }
        if duplicated { steps.append(steps[steps.count - 1]) }
        return steps
    }

    /// A 64-bit draw as a number in 0..<1.
    private static func unit(_ draw: UInt64) -> Double {
        Double(draw >> 11) / 9_007_199_254_740_992.0
    }
}
