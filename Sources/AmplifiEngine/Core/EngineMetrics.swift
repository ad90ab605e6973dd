import AmplifiCarriers
import CoreMetrics
import Foundation

/// The engine's series, through swift-metrics: where they go is the process's choice (the roles
/// bootstrap a Prometheus registry served on their admin port; tests bootstrap nothing, so they cost
/// nothing). Labels are bounded sets only — outcomes, error classes and carrier codes, queue names,
/// campaign statuses — never a phone number, and ids only where their count is bounded.
enum EngineMetrics {
    /// The sender's series without a variable label, registered at zero when a worker starts, so they
    /// are scraped (and `rate()` works) before their first event. Carrier errors (labelled by code) and
    /// per-sender rate waits appear with their first event.
    static func registerSenderSeries() {
        for outcome in ["sent", "failed", "retried", "unknown"] {
            Counter(label: "amplifi_messages_total", dimensions: [("outcome", outcome)]).increment(by: 0)
        }
        for outcome in ChunkOutcome.metricNames {
            Counter(label: "amplifi_chunks_total", dimensions: [("outcome", outcome)]).increment(by: 0)
        }
        for label in [
            "amplifi_refunds_total", "amplifi_sender_backoffs_total", "amplifi_claims_total",
            "amplifi_claimed_rows_total", "amplifi_credit_refusals_total", "amplifi_planned_rows_total",
            "amplifi_carrier_requests_total",
        ] {
            Counter(label: label).increment(by: 0)
        }
        carrierInFlight.increment(by: 0)
    }

    /// Messages written after a carrier attempt, by outcome (`sent`, `failed`, `retried`, `unknown`),
    /// counted once per batch.
    static func recordBatch(_ verdict: BatchVerdict) {
        for (outcome, count) in [
            ("sent", verdict.sent), ("failed", verdict.failed), ("retried", verdict.retried),
            ("unknown", verdict.unknown),
        ] where count > 0 {
            Counter(label: "amplifi_messages_total", dimensions: [("outcome", outcome)]).increment(by: count)
        }
        if verdict.refunded > 0 { Counter(label: "amplifi_refunds_total").increment(by: verdict.refunded) }
        for (key, count) in verdict.errors {
            Counter(
                label: "amplifi_carrier_errors_total", dimensions: [("class", key.errorClass), ("code", key.code)]
            ).increment(by: count)
        }
    }

    /// A message sent one at a time (`reply_messages`) ended a send attempt: by kind
    /// (`auto_reply`, `test_send`, `manual_reply`) and status (`sent`, `failed`, `pending`, …).
    static func directMessage(kind: DirectMessageKind, status: ReplyStatus) {
        Counter(
            label: "amplifi_direct_messages_total", dimensions: [("kind", kind.rawValue), ("status", status.rawValue)]
        )
        .increment()
    }

    /// A periodic job's two series at zero, when it starts (so its failure alert has a series).
    static func registerPeriodicJob(_ name: String) {
        for label in ["amplifi_periodic_job_rows_total", "amplifi_periodic_job_failures_total"] {
            Counter(label: label, dimensions: [("task", name)]).increment(by: 0)
        }
    }

    /// A periodic job (`PeriodicJob`) ran: the rows it touched, or a failure.
    static func periodicJob(_ name: String, rows: Int?) {
        if let rows {
            Counter(label: "amplifi_periodic_job_rows_total", dimensions: [("task", name)]).increment(by: rows)
        } else {
            Counter(label: "amplifi_periodic_job_failures_total", dimensions: [("task", name)]).increment()
        }
    }

    /// A sender number was told to back off (a 429, a full queue, a busy account).
    static func backOff() {
        Counter(label: "amplifi_sender_backoffs_total").increment()
    }

    /// A claim waited `duration` for its sender number's rate (other workers had booked it ahead, or
    /// its first slot was still to come). The histogram is fleet-wide; the per-sender counter of seconds
    /// waited is labelled with the sender number's id (a UUID, never the number itself): one series per
    /// sender number of the fleet.
    static func rateLimitWait(_ duration: Duration, senderID: UUID) {
        guard duration > .zero else { return }
        Timer(label: "amplifi_rate_limit_wait_seconds").recordNanoseconds(duration.nanoseconds)
        FloatingPointCounter(
            label: "amplifi_sender_rate_wait_seconds_total", dimensions: [("sender", senderID.uuidString.lowercased())]
        ).increment(by: duration.asSeconds)
    }

    /// A claim of `rows` rows was taken.
    static func claim(rows: Int) {
        Counter(label: "amplifi_claims_total").increment()
        Counter(label: "amplifi_claimed_rows_total").increment(by: rows)
    }

    /// A claim was refused for want of credits (the campaign pauses with `insufficient_credits`).
    static func creditsRefused() {
        Counter(label: "amplifi_credit_refusals_total").increment()
    }

    /// A chunk job ended with `outcome` (`finished`, `stopped`, `handed_back`, `lease_lost`).
    static func chunk(_ outcome: String) {
        Counter(label: "amplifi_chunks_total", dimensions: [("outcome", outcome)]).increment()
    }

    /// Recipients planned into rows.
    static func planned(rows: Int) {
        Counter(label: "amplifi_planned_rows_total").increment(by: rows)
    }

    /// `messages` messages were handed to the carrier in one call.
    static func carrierCallStarted(messages: Int) {
        carrierInFlight.increment(by: Double(messages))
    }

    /// That call of `messages` messages came back after `duration`.
    static func carrierCallEnded(messages: Int, duration: Duration) {
        carrierInFlight.decrement(by: Double(messages))
        Timer(label: "amplifi_carrier_request_seconds").recordNanoseconds(duration.nanoseconds)
        Counter(label: "amplifi_carrier_requests_total").increment(by: messages)
    }

    /// Messages at the carrier right now (this process).
    private static let carrierInFlight = Meter(label: "amplifi_carrier_in_flight")
}

extension Duration {
    /// Whole nanoseconds, saturated at `Int64.max`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : product + attoseconds / 1_000_000_000
    }
}
