import AmplifiEngine
import AmplifiLocalServers
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Glibc
import Logging

/// Helpers for the rate limiter tests: clients on the shared test Redis, a limiter
/// under a fresh key prefix, a private server for command counting, and the
/// "simulated send time" of a reservation.
enum RateLimiterTestSupport {
    /// A logger for the limiter under test.
    static let logger = Logger(label: "amplifi.test.ratelimit")

    /// A client of its own (its own connections) on the shared test server.
    static func sharedClient() async throws -> RedisClient {
        try RedisClient(url: try await TestRedis.shared.url(), maxConnections: 2)
    }

    /// Key names no other test uses.
    static func freshKeys() -> QueueKeys { QueueKeys(prefix: TestRedis.shared.keyPrefix()) }

    /// Runs `body` on a private Redis server (command counting must not see other tests).
    static func withPrivateRedis(_ body: (RedisClient) async throws -> Void) async throws {
        let server = try await LocalRedisServer.start()
        let client = try RedisClient(url: server.url, maxConnections: 2)
        defer {
            // SIGKILL: the server inherits SIGINT blocked from the test process.
            server.process.signal(SIGKILL)
            server.stop()
        }
        do {
            try await body(client)
        } catch {
            await client.close()
            throw error
        }
        await client.close()
    }

    /// Calls of every command except `INFO` so far, by `INFO commandstats`, per command.
    static func commandCalls(on client: RedisClient) async throws -> [String: Int] {
        let info = try await client.send(["INFO", "commandstats"]).string ?? ""
        var calls: [String: Int] = [:]
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
            guard let colon = line.firstIndex(of: ":"), let range = line.firstRange(of: "calls=") else { continue }
            let name = String(line[line.index(line.startIndex, offsetBy: 8)..<colon])
            let digits = line[range.upperBound...].prefix(while: \.isNumber)
            if name != "info" { calls[name] = Int(digits) ?? 0 }
        }
        return calls
    }

    /// Seconds in `duration`.
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// Reserves without a `maxWait` and returns the reservation (fails the test otherwise).
    static func reserve(
        _ limiter: SenderRateLimiter, org: UUID, sender: UUID, segments: Int, rate: Double, burst: Double? = nil
    ) async throws -> RateReservation {
        let decision = try await limiter.reserve(
            orgID: org, senderID: sender, segments: segments, ratePerSecond: rate, burst: burst)
        guard let reservation = decision.reservation else {
            throw RateLimiterTestFailure("reserve without maxWait answered \(decision)")
        }
        return reservation
    }

    /// The measured rate of grants (time, segments): the segments granted after the
    /// first grant divided by the time from the first grant to the last (the first
    /// grant's segments went at its instant, so they do not count toward a span).
    static func measuredRate(_ grants: [(time: ContinuousClock.Instant, segments: Int)]) -> Double {
        let sorted = grants.sorted { $0.time < $1.time }
        let span = seconds(sorted.last!.time - sorted.first!.time)
        let segments = sorted.dropFirst().reduce(0) { $0 + $1.segments }
        return Double(segments) / span
    }
}

/// A test precondition that did not hold.
struct RateLimiterTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
