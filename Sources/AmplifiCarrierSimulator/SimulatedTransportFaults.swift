import AmplifiCarriers
import Synchronization

/// What goes wrong on the wire between a sender and the simulator, as on a real carrier: answers
/// that come after the sender gave up, connections cut after the message was created, and 5xx
/// answers for requests that were never processed. Each create request draws its fate from the
/// seed and its arrival number, so a run with the same seed and request order repeats.
public struct SimulatedTransportFaults: Hashable, Sendable {
    /// Share of accepted creates whose 201 is held back for `lateAnswerDelay` (the message exists;
    /// a sender with a shorter timeout sees an ambiguous outcome).
    public var lateAnswerRate: Double
    /// How long a late answer is held back.
    public var lateAnswerDelay: Duration
    /// Share of accepted creates whose connection is cut before the answer is complete (the
    /// message exists).
    public var dropRate: Double
    /// Share of create requests answered 500 / 20500 without creating anything (Twilio's "not
    /// processed": the sender may retry).
    public var serverErrorRate: Double

    /// Faults at the given rates; the defaults inject none.
    public init(
        lateAnswerRate: Double = 0, lateAnswerDelay: Duration = .seconds(5), dropRate: Double = 0,
        serverErrorRate: Double = 0
    ) {
        self.lateAnswerRate = lateAnswerRate
        self.lateAnswerDelay = lateAnswerDelay
        self.dropRate = dropRate
        self.serverErrorRate = serverErrorRate
    }

    /// The fate of one create request.
    enum Fate: Sendable, Equatable {
        case normal, late, drop, serverError
    }

    /// The fate of the `sequence`-th create request under `seed`.
    func fate(sequence: UInt64, seed: UInt64) -> Fate {
        var random = SplitMix64(seed: seed ^ 0x7F4A_7C15_9E37_79B9 ^ (sequence &* 0x94D0_49BB_1331_11EB))
        let draw = Double(random.next() >> 11) / 9_007_199_254_740_992.0
        if draw < serverErrorRate { return .serverError }
        if draw < serverErrorRate + dropRate { return .drop }
        if draw < serverErrorRate + dropRate + lateAnswerRate { return .late }
        return .normal
    }
}
