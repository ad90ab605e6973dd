import AmplifiBench
import AmplifiCarrierSimulator
import AmplifiCarriers
import AmplifiEngine
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiRedis
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// `amplifi bench`: performance numbers, printed (never asserted by tests).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run benchmarks and print their numbers.",
        subcommands: [
            ExpansionBench.self, SendBench.self, LatencyBench.self, ChartBench.self, CallbackBench.self,
            ReceiverLoadBench.self,
        ],
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
            print(
                "median planner/raw ratio over \(ratios.count) runs: \(String(format: "%.1f", median * 100))% (target ≥ 70%)"
            )
        }
    }

    /// The send pipeline in the shape users deploy: `amplifi worker` processes, against the
    /// zero-latency in-process simulator (the database path) or the Twilio adapter over HTTP to the
    /// carrier simulator with latency and an account concurrency limit (the HTTP path).
    struct SendBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "send",
            abstract: "Plan and send a campaign with `amplifi worker` processes; msg/s beside its limit "
                + "(raw Postgres, or the carrier account's concurrency ÷ latency), CPU per message, peak RSS.",
            discussion: """
                Every (recipients, workers) cell runs --runs times, each from a fresh copy of a database \
                prepared once per audience size, and the medians are reported. The database path \
                (--carrier sim) compares each run with the raw insert + update of the same rows in the \
                same database; the HTTP path (--carrier twilio-sim) with --account-concurrency ÷ \
                --latency-ms. Worker logs go to --directory. docs/benchmarks.md has the figures.
                """)

        @Option(help: "Comma-separated audience sizes (one prepared database each).")
        var recipients = "100000"

        @Option(help: "Comma-separated worker process counts to measure.")
        var workers = "1,2,4"

        @Option(help: "Runs per (recipients, workers) cell; medians are reported (1-20).")
        var runs = 3

        @Option(help: "Sender loops per worker process (`amplifi worker --concurrency`).")
        var loops = 2

        @Option(help: "Messages per claim (`amplifi worker --batch-size`).")
        var batchSize = 500

        @Option(help: "Contacts per chunk job (`amplifi worker --chunk-size`).")
        var chunkSize = 2_000

        @Option(
            help:
                "sim: the in-process zero-latency simulator (database path); twilio-sim: the Twilio adapter over HTTP to a carrier simulator in this process (HTTP path)."
        )
        var carrier = "sim"

        @Option(help: "twilio-sim: milliseconds the simulator takes per create request.")
        var latencyMs = 150

        @Option(
            help:
                "twilio-sim: create requests the simulated account allows at once, beyond which it answers 429 / 20429 like Twilio (0 = unlimited); the workers get the same --account-concurrency."
        )
        var accountConcurrency = 100

        @Option(help: "More `amplifi worker` arguments, space-separated (e.g. \"--claim-horizon-ms 500\").")
        var workerArguments = ""

        @Option(help: "Where the workers' logs go.")
        var directory = ".build/bench-send"

        @Option(
            help:
                "Start the workers from this `amplifi` binary instead of this one (to measure another build with the same harness)."
        )
        var workerExecutable: String?

        @Flag(help: "Print the report as JSON on standard output (progress goes to standard error).")
        var json = false

        @Option(help: "Write the charts as SVG files: <prefix>-throughput.svg and <prefix>-cost.svg.")
        var svg: String?

        var sizes: [Int] { recipients.split(separator: ",").compactMap { Int($0) } }
        var workerCounts: [Int] { workers.split(separator: ",").compactMap { Int($0) } }

        func validate() throws {
            for (text, flag, range, unit) in [
                (recipients, "recipients", 1...10_000_000, "recipients"),
                (workers, "workers", 1...64, "worker processes"),
            ] {
                let items = text.split(separator: ",", omittingEmptySubsequences: false)
                guard !items.isEmpty, items.allSatisfy({ Int($0) != nil }) else {
                    throw ValidationError("--\(flag) must be comma-separated counts like 1,2,4, got \"\(text)\"")
                }
                for count in items.compactMap({ Int($0) }) {
                    _ = try FlagValidation.count(count, flag: flag, in: range, unit: unit)
                }
            }
            _ = try FlagValidation.count(runs, flag: "runs", in: 1...20, unit: "runs")
            _ = try FlagValidation.count(loops, flag: "loops", in: 1...256, unit: "sender loops")
            _ = try FlagValidation.count(batchSize, flag: "batch-size", in: 1...10_000, unit: "messages")
            _ = try FlagValidation.count(chunkSize, flag: "chunk-size", in: 1...1_000_000, unit: "contacts")
            _ = try FlagValidation.milliseconds(latencyMs, flag: "latency-ms", in: 1...60_000)
            _ = try FlagValidation.count(
                accountConcurrency, flag: "account-concurrency", in: 0...100_000, unit: "requests")
            guard ["sim", "twilio-sim"].contains(carrier) else {
                throw ValidationError("--carrier must be sim or twilio-sim, got \"\(carrier)\"")
            }
        }

        func run() async throws {
            try await BenchFleetSetup.with(json: json, directory: directory) { try await run($0) }
        }

        private func run(_ setup: BenchFleetSetup) async throws {
            let (logger, say, migrations, logs, postgres) = (
                setup.logger, setup.say, setup.migrations, setup.logs, setup.postgres
            )
            let executable =
                workerExecutable.map { URL(fileURLWithPath: $0) }
                ?? URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            var carrierPath = FleetSendBenchmark.Carrier.simulator
            var limit = SendBenchmarkSuite.Limit.rawPostgres
            var refusals: @Sendable () -> Int = { 0 }
            var refusalCodes: @Sendable () -> [String: Int] = { [:] }
            var simulatorGroup: ServiceGroup?
            if carrier == "twilio-sim" {
                let simulator = CarrierSimulatorServer(
                    configuration: CarrierSimulatorConfiguration(
                        carrier: SimulatedCarrierConfiguration(
                            latency: .fixed(.milliseconds(latencyMs)), recordsLog: false),
                        callbacksEnabled: false, accountConcurrency: accountConcurrency),
                    logger: logger)
                let group = ServiceGroup(
                    configuration: ServiceGroupConfiguration(services: [simulator], logger: logger))
                simulatorGroup = group
                Task { try await group.run() }
                carrierPath = .twilio(
                    baseURL: "http://127.0.0.1:\(try await simulator.boundPort())",
                    accountSID: CarrierSimulatorConfiguration.demoAccountSID,
                    authToken: CarrierSimulatorConfiguration.demoAuthToken)
                limit = .fixed(accountConcurrency > 0 ? Double(accountConcurrency) / (Double(latencyMs) / 1_000) : 0)
                refusals = { simulator.stats().refused }
                refusalCodes = { simulator.stats().refusedByCode }
            }
            let benchmark = FleetSendBenchmark(
                configuration: FleetSendBenchmark.Configuration(
                    executable: executable, loops: loops, batchSize: batchSize, chunkSize: chunkSize,
                    carrier: carrierPath,
                    extraWorkerArguments: workerArguments.split(separator: " ").map(String.init),
                    // Through the environment, so a build from before the budget existed still starts.
                    extraEnvironment: carrier == "sim"
                        ? [:] : ["AMPLIFI_CARRIER_ACCOUNT_CONCURRENCY": "\(accountConcurrency)"],
                    logDirectory: logs),
                logger: logger)
            let path = carrier == "sim" ? "postgres" : "http"
            let suite = SendBenchmarkSuite(
                sizes: sizes, workerCounts: workerCounts, runs: runs, path: path, limit: limit, benchmark: benchmark,
                carrierRefusals: refusals)
            say(
                "send benchmark (\(path) path): recipients \(recipients), workers \(workers), \(runs) run(s) each, "
                    + "\(loops) loop(s) per worker, claims of \(batchSize)"
                    + (carrier == "sim"
                        ? "" : ", \(latencyMs) ms per create, account concurrency \(accountConcurrency)"))
            let measurements: [SendMeasurement]
            do {
                measurements = try await suite.run(
                    postgres: postgres, migrations: migrations, redisURL: setup.redis.url, logger: logger, say: say)
            } catch {
                await simulatorGroup?.triggerGracefulShutdown()
                throw error
            }
            await simulatorGroup?.triggerGracefulShutdown()
            let codes = refusalCodes()
            if !codes.isEmpty {
                say(
                    "the carrier refused creates, by Twilio code: "
                        + codes.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", "))
            }
            let report = SendBenchReport(path: path, machine: BenchMachine.description(), runs: measurements)
            if json { print(try report.json()) } else { print("\n" + report.table) }
            if let svg {
                var anchors = [SVGChart.Anchor(label: "listmonk ≈ 830/s", y: 830)]
                if let cell = report.medians.last, cell.limitPerSecond > 0 {
                    anchors.append(
                        SVGChart.Anchor(
                            label: path == "postgres" ? "raw Postgres" : "account ÷ latency", y: cell.limitPerSecond))
                }
                try report.throughputChart(anchors: anchors).render()
                    .write(toFile: svg + "-throughput.svg", atomically: true, encoding: .utf8)
                try report.costChart().render().write(toFile: svg + "-cost.svg", atomically: true, encoding: .utf8)
                say("charts: \(svg)-throughput.svg, \(svg)-cost.svg")
            }
        }
    }
}
