import AmplifiEngine
import AmplifiMessaging
import AmplifiRedis
import Foundation
import Testing

/// The fleet-wide sender rate limiter against a real Redis. Rates are measured from the
/// send times the reservations promise (time of the reply + its delay) instead of by
/// sleeping: more precise, and each test takes milliseconds instead of seconds.
@Suite struct SenderRateLimiterTests {
    typealias Support = RateLimiterTestSupport

    @Test func singleClientGetsTheConfiguredRate() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID(), sender = UUID()
        let clock = ContinuousClock()
        var grants: [(time: ContinuousClock.Instant, segments: Int)] = []
        var total = 0
        // ~2 s of traffic at 50 segments/s, batches of 1…4 segments.
        while total < 100 {
            let segments = total % 4 + 1
            let reservation = try await Support.reserve(
                limiter, org: org, sender: sender, segments: segments, rate: 50, burst: 1)
            grants.append((clock.now + reservation.delay, segments))
            total += segments
        }
        let rate = Support.measuredRate(grants)
        print("single client: \(rate) segments/s at 50/s")
        #expect(abs(rate - 50) <= 50 * 0.03, "measured \(rate) segments/s")
        await client.close()
    }

    @Test func threeClientsShareOneNumbersBudget() async throws {
        let keys = Support.freshKeys()
        let org = UUID(), sender = UUID()
        let clock = ContinuousClock()
        // Three workers, each with its own connections, ~3 s of traffic at 60 segments/s.
        let grants = try await withThrowingTaskGroup(
            of: [(time: ContinuousClock.Instant, segments: Int)].self
        ) { group in
            for worker in 0..<3 {
                group.addTask {
                    let client = try await Support.sharedClient()
                    let limiter = SenderRateLimiter(client: client, keys: keys, logger: Support.logger)
                    var mine: [(time: ContinuousClock.Instant, segments: Int)] = []
                    var total = 0
                    while total < 60 {
                        let segments = (total + worker) % 3 + 1
                        let reservation = try await Support.reserve(
                            limiter, org: org, sender: sender, segments: segments, rate: 60, burst: 1)
                        mine.append((clock.now + reservation.delay, segments))
                        total += segments
                    }
                    await client.close()
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let rate = Support.measuredRate(grants)
        print("three clients: \(rate) segments/s at 60/s")
        #expect(abs(rate - 60) <= 60 * 0.03, "measured \(rate) segments/s over \(grants.count) batches")
        // Every prefix of the schedule respects the rate (burst 1 segment + 3 ms of jitter).
        let sorted = grants.sorted { $0.time < $1.time }
        var sent = 0
        for grant in sorted.dropFirst() {
            sent += grant.segments
            let allowed = 60 * (Support.seconds(grant.time - sorted[0].time) + 0.003) + 1
            #expect(Double(sent) <= allowed)
        }
    }

    @Test func workersThatSleepAsToldSendAtTheRate() async throws {
        // The real loop, for ~1 s: reserve, sleep the delay, "send", repeat — three workers.
        let keys = Support.freshKeys()
        let org = UUID(), sender = UUID()
        let clock = ContinuousClock()
        let sends = try await withThrowingTaskGroup(
            of: [(time: ContinuousClock.Instant, segments: Int)].self
        ) { group in
            for worker in 0..<3 {
                group.addTask {
                    let client = try await Support.sharedClient()
                    let limiter = SenderRateLimiter(client: client, keys: keys, logger: Support.logger)
                    var mine: [(time: ContinuousClock.Instant, segments: Int)] = []
                    var total = 0
                    while total < 40 {
                        let segments = (total + worker) % 3 + 1
                        let reservation = try await Support.reserve(
                            limiter, org: org, sender: sender, segments: segments, rate: 120, burst: 1)
                        try await Task.sleep(for: reservation.delay)
                        mine.append((clock.now, segments))
                        total += segments
                    }
                    await client.close()
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let rate = Support.measuredRate(sends)
        print("three sleeping workers: \(rate) segments/s at 120/s")
        #expect(abs(rate - 120) <= 120 * 0.05, "measured \(rate) segments/s")
    }

    @Test func differentSendersDoNotAffectEachOther() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID(), busy = UUID(), idle = UUID()
        let booked = try await Support.reserve(limiter, org: org, sender: busy, segments: 50, rate: 10, burst: 1)
        #expect(booked.delay > .seconds(4.8))
        let other = try await Support.reserve(limiter, org: org, sender: idle, segments: 1, rate: 10, burst: 1)
        #expect(other.delay == .zero)
        // The same sender id under another organization is another key as well.
        let otherOrg = try await Support.reserve(limiter, org: UUID(), sender: busy, segments: 1, rate: 10, burst: 1)
        #expect(otherOrg.delay == .zero)
        await client.close()
    }

    @Test func multiSegmentBatchesConsumeProportionally() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID(), sender = UUID()
        // 10 segments/s, burst 1: segment j of the schedule conforms at (j - 1) × 100 ms.
        let first = try await Support.reserve(limiter, org: org, sender: sender, segments: 5, rate: 10, burst: 1)
        let second = try await Support.reserve(limiter, org: org, sender: sender, segments: 3, rate: 10, burst: 1)
        #expect(abs(Support.seconds(first.delay) - 0.4) < 0.02)
        #expect(abs(Support.seconds(second.delay) - 0.7) < 0.02)
        // Pacing inside the second batch: its segments 1, 2, 3 are the schedule's 6, 7, 8.
        #expect(abs(Support.seconds(second.delay(throughSegment: 1)) - 0.5) < 0.02)
        #expect(abs(Support.seconds(second.delay(throughSegment: 2)) - 0.6) < 0.02)
    }

    @Test func burstGoesAtOnceThenTheRateApplies() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID(), sender = UUID()
        for _ in 0..<5 {
            let reservation = try await Support.reserve(
                limiter, org: org, sender: sender, segments: 1, rate: 10, burst: 5)
            #expect(reservation.delay == .zero)
        }
        let sixth = try await Support.reserve(limiter, org: org, sender: sender, segments: 1, rate: 10, burst: 5)
        #expect(abs(Support.seconds(sixth.delay) - 0.1) < 0.02)
        // Default burst: one second's worth.
        let other = UUID()
        let second = try await Support.reserve(limiter, org: org, sender: other, segments: 10, rate: 10)
        #expect(second.delay == .zero)
        let more = try await Support.reserve(limiter, org: org, sender: other, segments: 1, rate: 10)
        #expect(more.delay > .milliseconds(80))
        await client.close()
    }

    @Test func backOffDelaysEveryWorkerOfThatNumber() async throws {
        let keys = Support.freshKeys()
        let clientA = try await Support.sharedClient()
        let clientB = try await Support.sharedClient()
        let workerA = SenderRateLimiter(client: clientA, keys: keys, logger: Support.logger)
        let workerB = SenderRateLimiter(client: clientB, keys: keys, logger: Support.logger)
        let org = UUID(), sender = UUID(), bystander = UUID()
        let paused = try await workerA.backOff(orgID: org, senderID: sender, for: .seconds(2))
        #expect(paused >= .seconds(1.99) && paused <= .seconds(2))
        // A shorter backoff does not shorten the pause in force.
        let still = try await workerB.backOff(orgID: org, senderID: sender, for: .milliseconds(100))
        #expect(still > .seconds(1.9))
        // Another worker's reservations wait for the pause, then resume at the rate without a burst.
        let first = try await Support.reserve(workerB, org: org, sender: sender, segments: 1, rate: 10, burst: 10)
        let next = try await Support.reserve(workerA, org: org, sender: sender, segments: 1, rate: 10, burst: 10)
        #expect(abs(Support.seconds(first.delay) - 2) < 0.02, "\(first.delay)")
        #expect(abs(Support.seconds(next.delay) - 2.1) < 0.02, "\(next.delay)")
        // Other numbers are not paused.
        let free = try await Support.reserve(workerA, org: org, sender: bystander, segments: 1, rate: 10, burst: 10)
        #expect(free.delay == .zero)
        await clientA.close()
        await clientB.close()
    }

    @Test func maxWaitReservesNothingWhenTheWaitIsLonger() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID(), sender = UUID()
        _ = try await Support.reserve(limiter, org: org, sender: sender, segments: 20, rate: 10, burst: 1)
        // The schedule reaches 1.9 s; one more segment would wait ~2.0 s.
        let refused = try await limiter.reserve(
            orgID: org, senderID: sender, segments: 1, ratePerSecond: 10, burst: 1, maxWait: .seconds(1))
        guard case .wait(let retryAfter) = refused else {
            Issue.record("expected .wait, got \(refused)")
            return
        }
        #expect(abs(Support.seconds(retryAfter) - 1.0) < 0.02, "\(retryAfter)")
        // Nothing was booked: the next segment still conforms at ~2.0 s.
        let booked = try await limiter.reserve(
            orgID: org, senderID: sender, segments: 1, ratePerSecond: 10, burst: 1, maxWait: .seconds(3))
        let delay = try #require(booked.reservation).delay
        #expect(abs(Support.seconds(delay) - 2.0) < 0.02, "\(delay)")
        await client.close()
    }

    @Test func idleSendersLeaveNoKeys() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID(), sender = UUID()
        let key = limiter.key(orgID: org, senderID: sender)
        #expect(key.contains("{o:\(org.uuidString.lowercased())}"))
        _ = try await Support.reserve(limiter, org: org, sender: sender, segments: 2, rate: 20, burst: 1)
        let ttl = try #require(try await client.send(["PTTL", .init(key)]).int)
        #expect(ttl > 0 && ttl <= 100, "PTTL \(ttl)")
        try await Task.sleep(for: .milliseconds(150))
        #expect(try await client.send(["EXISTS", .init(key)]).int == 0)
        // A backoff keeps the key as long as the pause.
        try await limiter.backOff(orgID: org, senderID: sender, for: .milliseconds(300))
        let pausedTTL = try #require(try await client.send(["PTTL", .init(key)]).int)
        #expect(pausedTTL > 250 && pausedTTL <= 300, "PTTL \(pausedTTL)")
        await client.close()
    }

    @Test func oneEvalshaPerCall() async throws {
        try await Support.withPrivateRedis { client in
            let limiter = SenderRateLimiter(client: client, logger: Support.logger)
            let org = UUID(), sender = UUID()
            // Warm up: the first calls load the scripts (NOSCRIPT → SCRIPT LOAD).
            _ = try await Support.reserve(limiter, org: org, sender: sender, segments: 1, rate: 1000)
            try await limiter.backOff(orgID: org, senderID: UUID(), for: .milliseconds(1))
            let before = try await Support.commandCalls(on: client)
            for index in 0..<10 {
                _ = try await Support.reserve(limiter, org: org, sender: sender, segments: index + 1, rate: 1000)
            }
            try await limiter.backOff(orgID: org, senderID: sender, for: .milliseconds(1))
            let after = try await Support.commandCalls(on: client)
            let delta = after.reduce(into: [String: Int]()) { result, entry in
                let change = entry.value - (before[entry.key] ?? 0)
                if change != 0 { result[entry.key] = change }
            }
            // Commands run inside a script are counted too: the client sent only the 11
            // EVALSHAs, and each ran its script once (one TIME each).
            #expect(delta["evalsha"] == 11 && delta["time"] == 11, "\(delta)")
            let scriptCommands: Set = ["evalsha", "time", "hmget", "hset", "pexpire"]
            #expect(Set(delta.keys).isSubset(of: scriptCommands), "\(delta)")
        }
    }

    @Test func rejectsNonsense() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        for (segments, rate, burst) in [(-1, 10.0, 1.0), (1, 0, 1), (1, .infinity, 1), (1, 10, 0.5)] {
            do {
                _ = try await limiter.reserve(
                    orgID: UUID(), senderID: UUID(), segments: segments, ratePerSecond: rate, burst: burst)
                Issue.record("accepted segments \(segments), rate \(rate), burst \(burst)")
            } catch let error as EngineError {
                #expect(error.code == .validationFailed)
            }
        }
        // Zero segments: nothing to book, no wait.
        let none = try await Support.reserve(limiter, org: UUID(), sender: UUID(), segments: 0, rate: 10)
        #expect(none.delay == .zero)
        await client.close()
    }

    @Test func reservationPacing() {
        let reservation = RateReservation(segments: 4, baseMicroseconds: -250_000, intervalMicroseconds: 100_000)
        #expect(reservation.delay(throughSegment: 1) == .zero)
        #expect(reservation.delay(throughSegment: 3) == .microseconds(50_000))
        #expect(reservation.delay == .microseconds(150_000))
    }
}
