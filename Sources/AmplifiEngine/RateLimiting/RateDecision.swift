/// The answer of ``SenderRateLimiter/reserve(orgID:senderID:segments:ratePerSecond:burst:maxWait:)``.
public enum RateDecision: Sendable, Hashable {
    /// The batch's segments are reserved; send after the reservation's delay.
    case reserved(RateReservation)
    /// Nothing was reserved: the batch would have had to wait longer than the caller's
    /// `maxWait`. Asking again after this duration fits within `maxWait` (unless other
    /// workers reserve first or a backoff starts); a worker holding a chunk lease should
    /// rather hand the chunk back than sleep holding it.
    case wait(Duration)

    /// The reservation, when the segments were reserved.
    public var reservation: RateReservation? {
        if case .reserved(let reservation) = self { return reservation }
        return nil
    }
}
