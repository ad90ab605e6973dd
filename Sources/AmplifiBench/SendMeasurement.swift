/// One run of `amplifi bench send`: a campaign planned and sent by `amplifi worker` processes.
public struct SendMeasurement: Sendable, Codable {
    /// `postgres` (the in-process zero-latency simulator: the database is the limit) or `http` (the
    /// Twilio adapter against `amplifi carrier-sim` with latency: the carrier account is the limit).
    public var path: String
    public var recipients: Int
    public var workers: Int
    /// Sender loops per worker process.
    public var loops: Int
    public var batchSize: Int
    /// Messages that reached the carrier.
    public var messages: Int
    /// Admission → campaign `sending` (the audience expanded and its chunks queued).
    public var planningSeconds: Double
    /// Campaign `sending` → its last row written.
    public var sendingSeconds: Double
    /// CPU of all worker processes while sending, per message, in µs.
    public var cpuMicrosPerMessage: Double
    /// CPU of all worker processes while planning, per planned row, in µs.
    public var planningCPUMicrosPerRow: Double
    /// The largest peak RSS of one worker process, in MiB.
    public var peakRSSMegabytes: Double
    /// The limit this path is compared with, in msg/s: the raw Postgres insert + update of the same
    /// rows in the same database, or the carrier account's concurrency ÷ latency.
    public var limitPerSecond: Double
    /// Create requests the carrier refused (HTTP path: 429s and other refusals).
    public var carrierRefusals: Int

    /// Messages per second while sending.
    public var messagesPerSecond: Double { Double(messages) / max(sendingSeconds, 1e-9) }
    /// Planned rows per second.
    public var planningRowsPerSecond: Double { Double(recipients) / max(planningSeconds, 1e-9) }
    /// `messagesPerSecond` ÷ `limitPerSecond` (0 when there is no limit).
    public var ratio: Double { limitPerSecond > 0 ? messagesPerSecond / limitPerSecond : 0 }
}
