public import AmplifiEngine
import AmplifiCarriers
public import AmplifiPostgres
public import AmplifiRedis
import AmplifiMessaging
public import Foundation
public import Logging

/// Measures the send pipeline end to end against the zero-latency simulated carrier:
/// a campaign of `recipients` is planned and then sent by `workers` sender loops in
/// this process; it reports messages per second, CPU time per message and peak RSS,
/// and, in the same database, the raw Postgres baseline (insert + update of the same
/// number of `campaign_messages` rows, each in one statement) with the ratio.
/// Not a test: `amplifi bench send` runs it.
public enum SendBenchmark {
    /// The numbers of one run.
    public struct Result: Sendable, CustomStringConvertible {
        public var workers: Int
        public var messages: Int
        public var seconds: Double
        public var cpuSecondsPerMessage: Double
        public var peakRSSKilobytes: Int
        public var messagesPerSecond: Double { Double(messages) / max(seconds, 1e-9) }

        public init(workers: Int, messages: Int, seconds: Double, cpuSecondsPerMessage: Double, peakRSSKilobytes: Int) {
            self.workers = workers
            self.messages = messages
            self.seconds = seconds
            self.cpuSecondsPerMessage = cpuSecondsPerMessage
            self.peakRSSKilobytes = peakRSSKilobytes
        }

        public var description: String {
            "\(workers) worker(s): \(messages) messages in \(String(format: "%.2f", seconds)) s = "
                + "\(Int(messagesPerSecond)) msg/s, CPU \(String(format: "%.1f", cpuSecondsPerMessage * 1e6)) µs/msg, "
                + "peak RSS \(peakRSSKilobytes / 1024) MB"
        }
    }

    /// Loads an organization with `recipients` contacts (COPY) once.
    public static func prepare(client: PostgresClient, recipients: Int) async throws -> UUID {
        try await client.withConnection { connection in
            let org = try await connection.query(
                "INSERT INTO organizations (name) VALUES ('send bench') RETURNING id")[0].decode(UUID.self, at: 0)
            try await connection.query(
                "INSERT INTO credit_ledger (org_id, kind, amount, reason) VALUES (\(org), 'topup', \(recipients * 20), 'bench')")
            try await connection.query(
                """
                INSERT INTO phone_numbers (org_id, e164, is_default, mps, kind)
                VALUES (\(org), '+1919555' || lpad((floor(random() * 9000) + 1000)::int::text, 4, '0'), true, 1000000, 'short_code')
                """)
            try await GeneratedContacts(orgID: org, count: recipients).copy(into: connection)
            try await connection.query(
                "UPDATE contacts SET is_textable = true, opted_out_at = NULL, timezone = NULL, deleted_at = NULL WHERE org_id = \(org)")
            try await connection.execute(script: "VACUUM ANALYZE contacts")
            return org
        }
    }

    /// A campaign planned and queued for a run, under its own Redis key prefix.
    public struct PreparedCampaign: Sendable {
        public var id: UUID
        public var keys: QueueKeys
    }

    /// Creates a campaign in an IANA zone where it is midday now (the bench measures
    /// sending, not quiet hours), plans it and pushes its chunks.
    public static func prepareCampaign(
        client: PostgresClient, redis: RedisClient, org: UUID, chunkSize: Int = 2_000, logger: Logger
    ) async throws -> PreparedCampaign {
        let campaign = try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, status, timezone)
            VALUES (\(org), 'bench', 'Hi {{firstName|there}}, the bench is running.', '{}'::jsonb, 'sending',
                    \(middayZone()))
            RETURNING id
            """)[0].decode(UUID.self, at: 0)
        let keys = QueueKeys(prefix: "bench:\(UUID().uuidString.prefix(8)):")
        let summary = try await AudiencePlanner(client: client, logger: logger).expand(
            campaignID: campaign, orgID: org, chunkSize: chunkSize)
        let queue = FairChunkQueue(client: redis, keys: keys, logger: logger)
        _ = try await queue.push(jobs: summary.sendableChunks.map { ChunkJob(campaignID: campaign, orgID: org, chunk: $0) })
        return PreparedCampaign(id: campaign, keys: keys)
    }

    /// An `Etc/GMT±N` zone where the local hour is about noon now.
    public static func middayZone(now: Date = Date()) -> String {
        let hour = Int(now.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400) / 3_600)
        var offset = 12 - hour
        if offset > 12 { offset -= 24 }
        if offset < -11 { offset += 24 }
        // POSIX sign convention: Etc/GMT-N is UTC+N.
        return offset == 0 ? "Etc/GMT" : "Etc/GMT\(offset > 0 ? "-" : "+")\(abs(offset))"
    }

    /// Plans and sends one campaign with `workers` sender loops in this process; returns the numbers.
    public static func run(
        client: PostgresClient, redis: RedisClient, org: UUID, workers: Int, batchSize: Int = 500,
        chunkSize: Int = 2_000, logger: Logger
    ) async throws -> Result {
        let prepared = try await prepareCampaign(client: client, redis: redis, org: org, chunkSize: chunkSize, logger: logger)
        let campaign = prepared.id
        let keys = prepared.keys
        let queue = FairChunkQueue(client: redis, keys: keys, logger: logger)
        let carrier = SimulatedCarrier(configuration: SimulatedCarrierConfiguration(recordsLog: false), logger: logger)
        let cpuBefore = processCPUSeconds()
        let clock = ContinuousClock()
        let start = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<workers {
                let sender = ChunkSender(
                    client: client, queue: queue, rateLimiter: SenderRateLimiter(client: redis, keys: keys, logger: logger),
                    carrier: carrier,
                    configuration: ChunkSenderConfiguration(
                        workerID: "bench-\(index)", batchSize: batchSize),
                    logger: logger)
                group.addTask {
                    while let lease = try await queue.pop(worker: "bench-\(index)", leaseSeconds: 120) {
                        _ = try await sender.process(lease.job, lease: lease)
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = (clock.now - start).asSeconds
        let sent = try await sentCount(client: client, campaign: campaign)
        return Result(
            workers: workers, messages: sent, seconds: seconds,
            cpuSecondsPerMessage: (processCPUSeconds() - cpuBefore) / Double(max(sent, 1)),
            peakRSSKilobytes: peakRSSKilobytes())
    }

    /// Messages of `campaign` that reached the carrier.
    public static func sentCount(client: PostgresClient, campaign: UUID) async throws -> Int {
        try await client.query(
            "SELECT count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign) AND status = 'sent'")[0]
            .decode(Int.self, at: 0)
    }

    /// The raw baseline: insert `rows` campaign_messages rows in one statement and
    /// update all of them to `sent` in another; returns rows per second of the pair.
    public static func rawBaseline(client: PostgresClient, org: UUID, rows: Int) async throws -> Double {
        let campaign = try await client.query(
            """
            INSERT INTO campaigns (org_id, name, message, contact_filter, status)
            VALUES (\(org), 'raw', 'Hi', '{}'::jsonb, 'sending') RETURNING id
            """)[0].decode(UUID.self, at: 0)
        let clock = ContinuousClock()
        let start = clock.now
        try await client.query(
            """
            INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, chunk, status)
            SELECT org_id, \(campaign), id, phone, 0, 'pending' FROM contacts
            WHERE org_id = \(org) AND phone IS NOT NULL ORDER BY id LIMIT \(rows)
            """)
        try await client.query(
            """
            UPDATE campaign_messages SET status = 'sent', body = 'Hi there, the bench is running.', encoding = 'GSM7',
                   segments = 1, credits = 1, provider_message_id = 'SM' || id, sent_at = now(), attempt = 1
            WHERE campaign_id = \(campaign)
            """)
        return Double(rows) / max((clock.now - start).asSeconds, 1e-9)
    }

    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
    }

    static func peakRSSKilobytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}
