import AmplifiBench
import AmplifiCarriers
import AmplifiConcurrency
import AmplifiEngine
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiReceiver
import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// `amplifi bench receiver-load`: a real `amplifi receiver` process offered signed status callbacks
/// at a fixed rate (open loop: arrivals do not wait for answers) from many concurrent clients, while
/// slow clients trickle or stall requests; reports what it answered, its latency and peak memory,
/// and checks in the database that every callback answered 200 was applied.
struct ReceiverLoadBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiver-load",
        abstract:
            "Offer signed callbacks at a fixed rate plus slow clients to a receiver process; check nothing acknowledged is lost."
    )

    @Option(help: "Callbacks offered per second (default 10× the measured ~6.6k/s capacity).")
    var rate = 66_000

    @Option(help: "Seconds to offer load.")
    var duration = 60

    @Option(
        help:
            "Concurrent fast clients (callbacks in flight at most); an arrival finding all busy is counted as not sent."
    )
    var clients = 512

    @Option(help: "Slow clients that open connections and trickle or stall their requests.")
    var slowClients = 1_000

    @Option(help: "Messages prepared (each callback reports a distinct one; default: enough for 12k/s over the run).")
    var messages: Int?

    @Option(help: "The receiver's --max-in-flight.")
    var maxInFlight = 4_096

    @Option(help: "The receiver's --max-connections.")
    var maxConnections = 2_048

    func validate() throws {
        _ = try FlagValidation.count(rate, flag: "--rate", in: 1...1_000_000, unit: "callbacks/s")
        _ = try FlagValidation.count(duration, flag: "--duration", in: 1...3_600, unit: "seconds")
        _ = try FlagValidation.count(clients, flag: "--clients", in: 1...10_000, unit: "clients")
        _ = try FlagValidation.count(slowClients, flag: "--slow-clients", in: 0...20_000, unit: "clients")
        if let messages {
            _ = try FlagValidation.count(messages, flag: "--messages", in: 1...10_000_000, unit: "messages")
        }
    }

    func run() async throws {
        var logger = Logger(label: "amplifi.bench")
        logger.logLevel = .warning
        let postgres = try await BenchDatabase.start(logger: logger)
        defer { postgres.stop() }
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        let client = PostgresClient(url: postgres.url(), maxConnections: 4, logger: logger)
        let count = messages ?? min(12_000 * duration, 2_000_000)
        print("receiver load: preparing \(count) sent messages …")
        let rows = try await CallbackBenchRows.make(client, campaigns: 1, messagesEach: count)

        let port = try LocalNetwork.freePort()
        let token = "bench-load-token"
        let receiver = try ReceiverProcess.launch(
            port: port, maxInFlight: maxInFlight, maxConnections: maxConnections,
            environment: [
                "AMPLIFI_DATABASE_URL": postgres.url(), "AMPLIFI_REDIS_URL": redis.url, "TWILIO_AUTH_TOKEN": token,
                "AMPLIFI_CARRIER": "sim",
            ])
        defer { receiver.stop() }
        try await LocalNetwork.waitUntil("the receiver", timeout: 60) { LocalNetwork.isListening(port: port) }

        let swarm = SlowClientSwarm(port: port, count: slowClients)
        let slow = Task { await swarm.run() }
        let load = OpenLoopLoad(
            port: port, signer: TwilioSignature(authToken: token), org: rows.org, ids: rows.phases[0], rate: rate,
            clients: clients)
        print(
            "offering \(rate) callbacks/s for \(duration) s from \(clients) clients, with \(slowClients) slow clients …"
        )
        let tally = await load.run(for: .seconds(duration))
        let peakRSS = receiver.peakResidentKilobytes()
        swarm.stop()
        let slowTally = await slow.value
        receiver.stop()
        let (logged, delivered) = try await client.query(
            """
            SELECT (SELECT count(*)::int FROM delivery_events WHERE source = 'callback'),
                   (SELECT count(*)::int FROM campaign_messages WHERE status = 'delivered')
            """)[0].decode((Int, Int).self)
        await client.close()
        print(tally.report(duration: duration))
        print("  slow clients: \(slowTally.opened) connections opened, \(slowTally.cutOff) cut off by the receiver")
        print("  receiver peak RSS: \(peakRSS.map { "\($0 / 1024) MiB" } ?? "unknown")")
        let lost = tally.ok - min(logged, delivered)
        print(
            "  database: \(logged) callbacks logged, \(delivered) messages delivered; answered 200: \(tally.ok) → "
                + (lost <= 0 ? "no acknowledged callback lost" : "\(lost) ACKNOWLEDGED CALLBACKS LOST"))
        if logged > tally.ok {
            print(
                "  (\(logged - tally.ok) applied without a 200 reaching the client: timed out or cut off after the commit)"
            )
        }
        if lost > 0 { throw ExitCode.failure }
    }
}

/// The `amplifi receiver` child process of a load test (this same binary).
struct ReceiverProcess {
    let process: Process

    /// Starts `amplifi receiver` on `port` with the given limits; its output goes to a temporary log.
    static func launch(port: Int, maxInFlight: Int, maxConnections: Int, environment: [String: String]) throws
        -> ReceiverProcess
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = [
            "receiver", "--port", "\(port)", "--max-in-flight", "\(maxInFlight)", "--max-connections",
            "\(maxConnections)",
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("amplifi-receiver-load-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        print("  receiver pid \(process.processIdentifier), log \(log.path)")
        return ReceiverProcess(process: process)
    }

    /// The process' peak resident set (VmHWM), in KiB.
    func peakResidentKilobytes() -> Int? {
        ProcessUsage.read(pid: process.processIdentifier)?.peakRSSKilobytes
    }

    /// SIGTERM, then waits for the graceful exit (the batcher applies what it holds).
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// Signed callbacks at a fixed rate: every millisecond the arrivals due are started, each on a free
/// client; an arrival finding every client busy is counted, not queued (the offered rate stays fixed).
struct OpenLoopLoad: Sendable {
    /// What the clients saw.
    struct Tally: Sendable {
        var offered = 0
        var ok = 0
        var shed = 0
        var otherStatus = 0
        var errors = 0
        var clientsBusy = 0
        var outOfMessages = 0
        var latencies: [Duration] = []

        func report(duration: Int) -> String {
            let sorted = latencies.sorted()
            func percentile(_ share: Double) -> String {
                guard !sorted.isEmpty else { return "-" }
                let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * share))]
                return String(format: "%.1f ms", value.asSeconds * 1_000)
            }
            let sent = ok + shed + otherStatus + errors
            return """
                  offered \(offered) (\(offered / max(duration, 1))/s); sent \(sent) (\(sent / max(duration, 1))/s), \
                not sent: \(clientsBusy) with every client busy, \(outOfMessages) past the prepared messages
                  answered 200: \(ok) (\(ok / max(duration, 1))/s); refused 503: \(shed); other status: \(otherStatus); \
                errors: \(errors)
                  latency of answered callbacks: p50 \(percentile(0.5)), p99 \(percentile(0.99))
                """
        }
    }

    let port: Int
    let signer: TwilioSignature
    let org: UUID
    let ids: [Int64]
    let rate: Int
    let clients: Int

    func run(for duration: Duration) async -> Tally {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: clients)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(20))
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        let counters = Counters()
        let clock = ContinuousClock()
        let start = clock.now
        await withTaskGroup(of: Void.self) { group in
            var issued = 0
            while clock.now - start < duration {
                let due = Int((clock.now - start).asSeconds * Double(rate))
                while issued < due {
                    issued += 1
                    guard counters.busy.load(ordering: .relaxed) < clients else {
                        counters.tally.withLock {
                            $0.offered += 1
                            $0.clientsBusy += 1
                        }
                        continue
                    }
                    let index = counters.next.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard index < ids.count else {
                        counters.tally.withLock {
                            $0.offered += 1
                            $0.outOfMessages += 1
                        }
                        continue
                    }
                    counters.busy.wrappingAdd(1, ordering: .relaxed)
                    counters.tally.withLock { $0.offered += 1 }
                    group.addTask {
                        let outcome = await post(ids[index], http: http)
                        counters.busy.wrappingSubtract(1, ordering: .relaxed)
                        counters.tally.withLock { tally in
                            switch outcome {
                            case .ok(let latency):
                                tally.ok += 1
                                tally.latencies.append(latency)
                            case .status(503): tally.shed += 1
                            case .status: tally.otherStatus += 1
                            case .error: tally.errors += 1
                            }
                        }
                    }
                }
                try? await Task.sleep(for: .milliseconds(1))
            }
            await group.waitForAll()
        }
        try? await http.shutdown()
        return counters.tally.withLock { $0 }
    }

    enum Outcome {
        case ok(Duration)
        case status(UInt)
        case error
    }

    /// The counters the clients share.
    final class Counters: Sendable {
        let tally = Mutex(Tally())
        let busy = Atomic<Int>(0)
        let next = Atomic<Int>(0)
    }

    /// Posts the signed `delivered` callback of message `id`.
    func post(_ id: Int64, http: HTTPClient) async -> Outcome {
        let url = CallbackBenchRows.callbackURL(port: port, org: org, id: id)
        let fields: [(key: String, value: String)] = [
            ("MessageSid", "SMbench\(id)"), ("MessageStatus", "delivered"), ("SmsStatus", "delivered"),
        ]
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: TwilioMessageRequest.contentType)
        request.headers.add(name: "X-Twilio-Signature", value: signer.signature(url: url, parameters: fields))
        request.body = .bytes(ByteBuffer(string: FormURLEncoding.encode(fields)))
        let sent = ContinuousClock.now
        do {
            let response = try await http.execute(request, timeout: .seconds(20))
            _ = try await response.body.collect(upTo: 1 << 16)
            return response.status == .ok ? .ok(ContinuousClock.now - sent) : .status(response.status.code)
        } catch {
            return .error
        }
    }
}
