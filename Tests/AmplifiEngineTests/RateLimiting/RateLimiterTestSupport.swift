import AmplifiEngine
import AmplifiLocalServers
import AmplifiRedis
import AmplifiTestSupport
import Foundation
import Glibc
import Logging

/// Helpers for the rate limiter tests: clients on the shared test Redis, a limiter
/// under a fresh key prefix, a private server for command counting, and rates of a
/// schedule of reservations measured in the Redis server's time.
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

    /// The rate of a schedule while it was backlogged, in segments per second of server
    /// time: over each pair of consecutive grants (in schedule order) whose second was
    /// requested before the first's last segment conformed — it had to queue behind it,
    /// so the limiter alone set the gap — the segments of the second divided by the gap.
    /// Pairs where the number went idle (a starved client asked late) are left out: an idle
    /// number correctly sends nothing. Returns the rate and how many pairs it is over.
    static func backloggedRate(_ grants: [Grant]) -> (rate: Double, pairs: Int) {
        let sorted = grants.sorted { $0.conformsAt < $1.conformsAt }
        var segments = 0
        var micros = 0
        var pairs = 0
        for (previous, grant) in zip(sorted, sorted.dropFirst()) where grant.requestedAt <= previous.conformsAt {
            segments += grant.segments
            micros += grant.conformsAt - previous.conformsAt
            pairs += 1
        }
        return (Double(segments) * 1e6 / Double(micros), pairs)
    }

    /// The average rate of a whole schedule in segments per second of server time: the
    /// segments after the first grant over the span from the first grant to the last (idle
    /// spans included, so it can only be lower than the configured rate, never higher).
    static func overallRate(_ grants: [Grant]) -> Double {
        let sorted = grants.sorted { $0.conformsAt < $1.conformsAt }
        let span = sorted.last!.conformsAt - sorted.first!.conformsAt
        let segments = sorted.dropFirst().reduce(0) { $0 + $1.segments }
        return Double(segments) * 1e6 / Double(span)
    }
}

/// One reservation placed on the Redis server's clock (µs since 1970): when it was
/// computed and when its last segment conforms. Tests measure this schedule — the one the
/// fleet obeys — so a test process starved between two Redis calls cannot skew it.
struct Grant: Sendable {
    /// Server time at which the reserve script ran.
    let requestedAt: Int
    /// Server time at which the batch's last segment conforms.
    let conformsAt: Int
    /// Segments in the batch.
    let segments: Int

    /// The grant of `reservation`.
    init(_ reservation: RateReservation) {
        requestedAt = reservation.serverTimeMicroseconds
        conformsAt = reservation.serverTimeMicroseconds(throughSegment: reservation.segments)
        segments = reservation.segments
    }
}

/// A test precondition that did not hold.
struct RateLimiterTestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
