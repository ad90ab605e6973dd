import AmplifiCarriers
import Testing

@Suite struct DeliveryStatusTests {
    @Test func forwardOnlyOrder() {
        #expect(DeliveryStatus.queued.advancing(to: .sending) == .sending)
        #expect(DeliveryStatus.sending.advancing(to: .sent) == .sent)
        #expect(DeliveryStatus.queued.advancing(to: .delivered) == .delivered)
        #expect(DeliveryStatus.sent.advancing(to: .delivered) == .delivered)
        #expect(DeliveryStatus.sent.advancing(to: .undelivered) == .undelivered)
        #expect(DeliveryStatus.sent.advancing(to: .failed) == .failed)
        #expect(DeliveryStatus.sent.advancing(to: .sent) == nil)
        #expect(DeliveryStatus.sent.advancing(to: .queued) == nil)
        #expect(DeliveryStatus.accepted.advancing(to: .queued) == .queued)
    }

    @Test func finalStatusesNeverMove() {
        let finals: [DeliveryStatus] = [.delivered, .undelivered, .failed, .canceled]
        for final in finals {
            #expect(final.isFinal)
            for next in DeliveryStatus.allCases where !(final == .delivered && next == .read) {
                #expect(final.advancing(to: next) == nil, "\(final) -> \(next)")
            }
        }
        #expect(DeliveryStatus.delivered.advancing(to: .read) == .read)
        #expect(DeliveryStatus.read.advancing(to: .delivered) == nil)
    }

    @Test func lateSentNeverOverwritesDelivered() {
        // Out-of-order callbacks: delivered arrives before sent.
        var current = DeliveryStatus.queued
        for report: DeliveryStatus in [.delivered, .sent, .sending] {
            current = current.advancing(to: report) ?? current
        }
        #expect(current == .delivered)
    }

    @Test func chargedStatuses() {
        #expect(DeliveryStatus.sent.isCharged)
        #expect(DeliveryStatus.delivered.isCharged)
        #expect(DeliveryStatus.undelivered.isCharged)
        #expect(!DeliveryStatus.failed.isCharged)
        #expect(!DeliveryStatus.queued.isCharged)
        #expect(!DeliveryStatus.canceled.isCharged)
    }

    @Test func rawValuesMatchTwilio() {
        let twilio = [
            "queued", "sending", "sent", "failed", "delivered", "undelivered", "receiving", "received",
            "accepted", "scheduled", "read", "partially_delivered", "canceled",
        ]
        #expect(Set(DeliveryStatus.allCases.map(\.rawValue)) == Set(twilio))
    }
}
