public import Foundation

/// What a chaos run does: its seed, how long faults are injected, how many recipients and workers,
/// where it keeps its servers and logs, and which `amplifi` executable it runs the fleet with.
public struct ChaosConfiguration: Sendable {
    /// The seed of the fault schedule, the carrier's draws and the STOPs.
    public var seed: UInt64
    /// How long faults are injected, in seconds (the campaigns' rates are sized to send for about
    /// as long).
    public var durationSeconds: Double
    /// Recipients across all campaigns.
    public var recipients: Int
    /// Worker processes.
    public var workers: Int
    /// How long, after the fault window, the run waits for every campaign to settle.
    public var settleSeconds: Double
    /// Where the servers' data and every process's log go.
    public var directory: URL
    /// The `amplifi` executable the fleet runs.
    public var executable: URL
    /// The SQL migrations.
    public var migrations: URL

    /// A configuration.
    public init(
        seed: UInt64, durationSeconds: Double, recipients: Int, workers: Int, settleSeconds: Double, directory: URL,
        executable: URL, migrations: URL
    ) {
        self.seed = seed
        self.durationSeconds = durationSeconds
        self.recipients = recipients
        self.workers = workers
        self.settleSeconds = settleSeconds
        self.directory = directory
        self.executable = executable
        self.migrations = migrations
    }

    /// Schedulers in the fleet (two: they must not get in each other's way).
    public var schedulers: Int { 2 }

    /// Seconds after its claim an unknown message the carrier never created is sent again.
    static let settleAfterSeconds = 10
    /// Seconds a claimed row may stay `sending` before the sweep marks it `unknown`.
    static let claimLeaseSeconds = 20
    /// The workers' carrier timeout; late answers come after it.
    static let carrierTimeoutSeconds = 2
    /// The burst the carrier allows on top of a number's rate, in seconds of that rate: what the
    /// run judges the arrivals against.
    static let burstSeconds = 1.0
    /// The burst the workers are configured with: a fifth of a second's worth under the carrier's,
    /// as a deployment should be. A worker's message may leave up to its late tolerance (100 ms)
    /// after its slot, and the paced stream reaches the carrier with its own jitter on top (a
    /// burst's first requests open connections, a busy host answers late); a sender booked to the
    /// carrier's exact limit crosses it whenever those stack up.
    static let workerBurstSeconds = burstSeconds - 0.2
}
