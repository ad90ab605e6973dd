/// When each message of a claimed batch may leave: message i goes when its last segment conforms to
/// the sender number's fleet-wide schedule (``RateReservation``), so the carrier sees the number's
/// rate (plus its small burst), never the whole batch at once.
///
/// Pure: times are offsets from the instant each reservation's answer arrived. Segments beyond the
/// first reservation (the claim was sized on an estimate of segments per message) take their slots
/// from a top-up reservation booked right after it.
struct BatchSchedule: Sendable, Equatable {
    /// For each message, in batch order: which reservation its slot is on (0 = the first, 1 = the
    /// top-up) and the offset from that reservation's answer.
    var slots: [Slot]

    /// One message's send slot.
    struct Slot: Sendable, Equatable {
        /// 0: the claim's reservation; 1: the top-up.
        var reservation: Int
        /// How long after that reservation's answer the message may go.
        var offset: Duration
    }

    /// The slots of messages of `segments` segments each (each at least 1), on `reservation` and,
    /// past its segments, on `topUp`.
    init(segments: [Int], reservation: RateReservation, topUp: RateReservation? = nil) {
        var slots: [Slot] = []
        slots.reserveCapacity(segments.count)
        var through = 0
        for count in segments {
            through += max(1, count)
            if through <= reservation.segments || topUp == nil {
                slots.append(
                    Slot(reservation: 0, offset: reservation.delay(throughSegment: min(through, reservation.segments))))
            } else if let topUp {
                slots.append(Slot(reservation: 1, offset: topUp.delay(throughSegment: through - reservation.segments)))
            }
        }
        self.slots = slots
    }

    /// Segments the messages need beyond what `reserved` covers (0 when the reservation suffices).
    static func shortfall(segments: [Int], reserved: Int) -> Int {
        max(0, segments.reduce(0) { $0 + max(1, $1) } - reserved)
    }
}
