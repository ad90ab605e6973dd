import AmplifiBench
import AmplifiEngine
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiRedis
import Logging
import ArgumentParser
import Foundation

/// `amplifi bench`: performance numbers, printed (never asserted by tests).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run benchmarks and print their numbers.",
        subcommands: [ExpansionBench.self, SendBench.self, CallbackBench.self, ReceiverLoadBench.self],
        defaultSubcommand: ExpansionBench.self)

    /// Audience expansion rate against a raw INSERT … SELECT of the same rows.
    struct ExpansionBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "expansion",
            abstract: "Audience expansion rows/s next to a raw INSERT … SELECT of the same rows (target ≥ 70%).")

        @Option(help: "Contacts to generate.")
        var contacts = 100_000

        @Option(help: "Planner page (chunk) size.")
        var chunkSize = 1_000

        @Option(help: "Repetitions; the median ratio is reported.")
        var runs = 3

        @Flag(help: "Plan an A/B campaign (variants computed per contact).")
        var abTest = false

        @Option(
            name: .customLong("database-url"),
            help: "A scratch database to fill (default: a private Postgres started for the run).")
        var databaseURL: String?

        func validate() throws {
            _ = try FlagValidation.count(contacts, flag: "contacts", in: 1...10_000_000, unit: "contacts")
            _ = try FlagValidation.count(chunkSize, flag: "chunk-size", in: 1...100_000, unit: "contacts")
            _ = try FlagValidation.count(runs, flag: "runs", in: 1...100, unit: "runs")
        }

        func run() async throws {
            var server: LocalPostgresServer?
            let url: String
            if let databaseURL {
                url = databaseURL
            } else {
                let local = try await BenchDatabase.start(logger: Logger(label: "amplifi.bench"))
                server = local
                url = local.url()
            }
            defer { server?.stop() }
            let client = PostgresClient(url: url, maxConnections: 2)
            var ratios: [Double] = []
            for run in 1...max(1, runs) {
                print("run \(run)/\(runs):")
                let result = try await AudienceBenchmark.run(
                    client: client, contacts: contacts, chunkSize: chunkSize, abTest: abTest, printReport: true)
                ratios.append(result.ratio)
            }
            await client.close()
            let median = ratios.sorted()[ratios.count / 2]
            print("median planner/raw ratio over \(ratios.count) runs: \(String(format: "%.1f", median * 100))% (target ≥ 70%)")
        }
    }

    /// The send pipeline end to end against the zero-latency simulator.
    struct SendBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send",
            abstract: "Send a campaign through the zero-latency simulator with 1, 2, 4 sender loops; "
                + "msg/s, CPU per message, peak RSS, and the raw Postgres insert+update baseline.")

        @Option(help: "Recipients.")
        var recipients = 100_000

        @Option(help: "Comma-separated sender-loop counts to measure.")
        var workers = "1,2,4"

        @Option(help: "Messages per batch.")
        var batchSize = 500

        @Flag(help: "Run each worker as its own `amplifi worker` process (CPU and peak RSS read from /proc per worker).")
        var processes = false

        func validate() throws {
            _ = try FlagValidation.count(recipients, flag: "recipients", in: 1...10_000_000, unit: "recipients")
            _ = try FlagValidation.count(batchSize, flag: "batch-size", in: 1...10_000, unit: "messages")
            let counts = workers.split(separator: ",", omittingEmptySubsequences: false)
            guard !counts.isEmpty, counts.allSatisfy({ Int($0) != nil }) else {
                throw ValidationError("--workers must be comma-separated counts like 1,2,4, got \"\(workers)\"")
            }
            for count in counts.compactMap({ Int($0) }) {
                _ = try FlagValidation.count(count, flag: "workers", in: 1...64, unit: "sender loops")
            }
        }

        func run() async throws {
            var logger = Logger(label: "amplifi.bench")
            logger.logLevel = .warning
            let postgres = try await BenchDatabase.start(logger: logger)
            let redisServer = try await LocalRedisServer.start()
            defer {
                redisServer.stop()
                postgres.stop()
            }
            let client = PostgresClient(url: postgres.url(), maxConnections: 12, logger: logger)
            let redis = try RedisClient(url: redisServer.url, maxConnections: 8, logger: logger)
            let org = try await SendBenchmark.prepare(client: client, recipients: recipients)
            print("send benchmark: \(recipients) recipients, batches of \(batchSize), zero-latency simulator")
            var best = 0.0
            var sent = recipients
            for count in workers.split(separator: ",").compactMap({ Int($0) }) {
                let result =
                    processes
                    ? try await runProcesses(
                        count: count, client: client, redis: redis, org: org, databaseURL: postgres.url(),
                        redisURL: redisServer.url, logger: logger)
                    : try await SendBenchmark.run(
                        client: client, redis: redis, org: org, workers: count, batchSize: batchSize, logger: logger)
                print("  \(result)")
                best = max(best, result.messagesPerSecond)
                sent = result.messages
            }
            fflush(nil)
            let raw = try await SendBenchmark.rawBaseline(client: client, org: org, rows: sent)
            print("  raw Postgres baseline (INSERT … SELECT + UPDATE of the same \(sent) rows): \(Int(raw)) rows/s")
            print("  best pipeline rate / raw baseline: \(String(format: "%.0f", best / max(raw, 1) * 100))%")
            await client.close()
            await redis.close()
        }
    
        /// Sends a prepared campaign with `count` separate `amplifi worker` processes and reads
        /// each worker's CPU time and peak RSS from /proc just before stopping it.
        private func runProcesses(
            count: Int, client: PostgresClient, redis: RedisClient, org: UUID, databaseURL: String, redisURL: String,
            logger: Logger
        ) async throws -> SendBenchmark.Result {
            let campaign = try await SendBenchmark.prepareCampaign(client: client, redis: redis, org: org, logger: logger)
            let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            var environment = ProcessInfo.processInfo.environment
            environment["AMPLIFI_DATABASE_URL"] = databaseURL
            environment["AMPLIFI_REDIS_URL"] = redisURL
            environment["AMPLIFI_REDIS_PREFIX"] = campaign.keys.prefix
            let clock = ContinuousClock()
            let start = clock.now
            var workers: [Process] = []
            for index in 0..<count {
                let process = Process()
                process.executableURL = executable
                process.arguments = ["worker", "--concurrency", "1", "--batch-size", "\(batchSize)", "--worker-id", "bench-\(index)"]
                process.environment = environment
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                workers.append(process)
            }
            while try await client.query(
                """
                SELECT count(*) FROM campaign_messages
                WHERE campaign_id = \(campaign.id) AND status IN ('pending', 'sending')
                """)[0].decode(Int.self, at: 0) > 0
            {
                try await Task.sleep(for: .milliseconds(100))
            }
            let seconds = Double((clock.now - start).components.seconds)
                + Double((clock.now - start).components.attoseconds) / 1e18
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            var cpu = 0.0
            var peak = 0
            for worker in workers {
                let pid = worker.processIdentifier
                if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                    let close = stat.lastIndex(of: ")")
                {
                    let fields = stat[stat.index(after: close)...].split(separator: " ")
                    // After the command name: state is field 3, utime 14 and stime 15 (1-based).
                    if fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) {
                        cpu += (user + system) / ticks
                    }
                }
                if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
                    let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
                    let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
                {
                    peak = max(peak, kilobytes)
                }
                worker.terminate()
            }
            for worker in workers { worker.waitUntilExit() }
            let sent = try await SendBenchmark.sentCount(client: client, campaign: campaign.id)
            return SendBenchmark.Result(
                workers: count, messages: sent, seconds: seconds, cpuSecondsPerMessage: cpu / Double(max(sent, 1)),
                peakRSSKilobytes: peak)
        }
    }
}
