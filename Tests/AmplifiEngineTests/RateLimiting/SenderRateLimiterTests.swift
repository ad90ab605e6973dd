import AmplifiEngine
import AmplifiMessaging
import AmplifiRedis
import Foundation
import Testing

/// The fleet-wide sender rate limiter against a real Redis. Rates and waits are measured
/// on the schedule the reservations promise, in the Redis server's time (each reservation
/// carries the server time it was computed at) instead of by sleeping or by the test
/// process's clock: exact, each test takes milliseconds, and a test process starved
/// between two Redis calls (the whole suite on 2 cores) cannot skew the measurement.
@Suite struct SenderRateLimiterTests {
    typealias Support = RateLimiterTestSupport

    @Test func singleClientGetsTheConfiguredRate() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID()
        let sender = UUID()
        var grants: [Grant] = []
        var total = 0
        // ~2 s of traffic at 50 segments/s, batches of 1…4 segments.
        while total < 100 {
            let segments = total % 4 + 1
            let reservation = try await Support.reserve(
                limiter, org: org, sender: sender, segments: segments, rate: 50, burst: 1)
            grants.append(Grant(reservation))
            total += segments
        }
        let (rate, pairs) = Support.backloggedRate(grants)
        let overall = Support.overallRate(grants)
        print("single client: \(rate) segments/s over \(pairs) queued batches, \(overall) overall, at 50/s")
        #expect(pairs >= 10, "only \(pairs) of \(grants.count) batches queued")
        #expect(abs(rate - 50) <= 50 * 0.03, "measured \(rate) segments/s")
        #expect(overall <= 50 * 1.03, "measured \(overall) segments/s overall")
        await client.close()
    }

    @Test func aPriorityReplyGoesAheadAndPushesTheBookedTrafficBackByItsSegments() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID()
        let sender = UUID()
        // A campaign books 5 s of a 10 segments/s number.
        let blast = Grant(
            try await Support.reserve(limiter, org: org, sender: sender, segments: 50, rate: 10, burst: 1))
        let decision = try await limiter.reserve(
            orgID: org, senderID: sender, segments: 2, ratePerSecond: 10, burst: 1, priority: true)
        let reply = try #require(decision.reservation)
        let replyGrant = Grant(reply)
        // The reply conforms at once (its 2 segments at the number's rate), not after the blast.
        #expect(replyGrant.conformsAt - replyGrant.requestedAt <= 200_000, "\(replyGrant)")
        let next = Grant(try await Support.reserve(limiter, org: org, sender: sender, segments: 1, rate: 10, burst: 1))
        // The traffic booked after it slips by exactly the reply's 2 segments (0.2 s).
        let expected = blast.conformsAt + 3 * 100_000
        #expect(abs(next.conformsAt - expected) <= 1, "next at \(next.conformsAt), expected \(expected)")
        await client.close()
    }

    @Test func threeClientsShareOneNumbersBudget() async throws {
        let keys = Support.freshKeys()
        let org = UUID()
        let sender = UUID()
        // Three workers, each with its own connections, ~3 s of traffic at 60 segments/s.
        let grants = try await withThrowingTaskGroup(of: [Grant].self) { group in
            for worker in 0..<3 {
                group.addTask {
                    let client = try await Support.sharedClient()
                    let limiter = SenderRateLimiter(client: client, keys: keys, logger: Support.logger)
                    var mine: [Grant] = []
                    var total = 0
                    while total < 60 {
                        let segments = (total + worker) % 3 + 1
                        let reservation = try await Support.reserve(
                            limiter, org: org, sender: sender, segments: segments, rate: 60, burst: 1)
                        mine.append(Grant(reservation))
                        total += segments
                    }
                    await client.close()
                    return mine
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let (rate, pairs) = Support.backloggedRate(grants)
        let overall = Support.overallRate(grants)
        print("three clients: \(rate) segments/s over \(pairs) queued batches, \(overall) overall, at 60/s")
        #expect(pairs >= 10, "only \(pairs) of \(grants.count) batches queued")
        #expect(abs(rate - 60) <= 60 * 0.03, "measured \(rate) segments/s over \(pairs) batches")
        #expect(overall <= 60 * 1.03, "measured \(overall) segments/s overall")
        // Every prefix of the schedule respects the rate (burst 1 segment + 1 ms for rounding).
        let sorted = grants.sorted { $0.conformsAt < $1.conformsAt }
        var sent = 0
        for grant in sorted.dropFirst() {
            sent += grant.segments
            let allowed = 60 * (Double(grant.conformsAt - sorted[0].conformsAt) / 1e6 + 0.001) + 1
            #expect(Double(sent) <= allowed)
        }
    }

    @Test func workersThatSleepAsToldSendAtTheRate() async throws {
        // The real loop, for ~1 s: reserve, sleep the delay, "send", repeat — three workers.
        // Asserted in server time (load-proof): a worker that slept as told asks again only
        // after its batch conformed, and the schedule never runs faster than the rate. The
        // rate of the real sends depends on how busy the machine is: printed, not asserted
        // (a performance number, for a benchmark rather than a timed test).
        let keys = Support.freshKeys()
        let org = UUID()
        let sender = UUID()
        let clock = ContinuousClock()
        let results = try await withThrowingTaskGroup(
            of: (grants: [Grant], sends: [(time: ContinuousClock.Instant, segments: Int)]).self
        ) { group in
            for worker in 0..<3 {
                group.addTask {
                    let client = try await Support.sharedClient()
                    let limiter = SenderRateLimiter(client: client, keys: keys, logger: Support.logger)
                    var grants: [Grant] = []
                    var sends: [(time: ContinuousClock.Instant, segments: Int)] = []
                    var total = 0
                    while total < 40 {
                        let segments = (total + worker) % 3 + 1
                        let reservation = try await Support.reserve(
                            limiter, org: org, sender: sender, segments: segments, rate: 120, burst: 1)
                        try await Task.sleep(for: reservation.delay)
                        grants.append(Grant(reservation))
                        sends.append((clock.now, segments))
                        total += segments
                    }
                    await client.close()
                    return (grants, sends)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for worker in results {
            // Consecutive reserve calls of one worker: the later one ran (server time) after the
            // earlier batch conformed, because the worker slept its delay in between (1 ms for
            // the granularity of the two clocks).
            for (earlier, later) in zip(worker.grants, worker.grants.dropFirst()) {
                #expect(later.requestedAt >= earlier.conformsAt - 1_000, "asked again before the batch conformed")
            }
        }
        let grants = results.flatMap(\.grants)
        let overall = Support.overallRate(grants)
        let (scheduled, pairs) = Support.backloggedRate(grants)
        #expect(overall <= 120 * 1.03, "schedule ran at \(overall) segments/s")
        let sends = results.flatMap(\.sends).sorted { $0.time < $1.time }
        let span = Support.seconds(sends.last!.time - sends.first!.time)
        let sent = Double(sends.dropFirst().reduce(0) { $0 + $1.segments }) / span
        print(
            "three sleeping workers at 120/s: sent \(sent) segments/s (client clock), schedule \(overall) overall,"
                + " \(scheduled) over \(pairs) queued batches")
    }

    @Test func differentSendersDoNotAffectEachOther() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID()
        let busy = UUID()
        let idle = UUID()
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
        let org = UUID()
        let sender = UUID()
        // 10 segments/s, burst 1: segment j of the schedule conforms at (j - 1) × 100 ms after
        // the first reservation (server time).
        let first = try await Support.reserve(limiter, org: org, sender: sender, segments: 5, rate: 10, burst: 1)
        let second = try await Support.reserve(limiter, org: org, sender: sender, segments: 3, rate: 10, burst: 1)
        let origin = first.serverTimeMicroseconds
        #expect(first.delay == .milliseconds(400))
        #expect(first.serverTimeMicroseconds(throughSegment: 5) == origin + 400_000)
        // The second batch queues right behind the first: its segments 1, 2, 3 are the
        // schedule's 6, 7, 8 (had the test process been starved past the first batch's end,
        // the number would have gone idle and the batch would start when it asked).
        let start = max(origin + 500_000, second.serverTimeMicroseconds)
        for segment in 1...3 {
            let conforms = second.serverTimeMicroseconds(throughSegment: segment)
            #expect(abs(conforms - (start + (segment - 1) * 100_000)) <= 1, "segment \(segment)")
        }
        #expect(
            second.delay
                == .microseconds(second.serverTimeMicroseconds(throughSegment: 3) - second.serverTimeMicroseconds))
        await client.close()
    }

    @Test func burstGoesAtOnceThenTheRateApplies() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID()
        let sender = UUID()
        var burst: [RateReservation] = []
        for _ in 0..<5 {
            let reservation = try await Support.reserve(
                limiter, org: org, sender: sender, segments: 1, rate: 10, burst: 5)
            #expect(reservation.delay == .zero)
            burst.append(reservation)
        }
        // The sixth segment conforms one interval after the first: exactly, when the six were
        // asked within that interval; a starved test process that asked later finds the burst
        // refilled meanwhile, so it conforms no later than when it asked.
        let sixth = try await Support.reserve(limiter, org: org, sender: sender, segments: 1, rate: 10, burst: 5)
        let origin = burst[0].serverTimeMicroseconds
        let conforms = sixth.serverTimeMicroseconds(throughSegment: 1)
        #expect(conforms >= origin + 100_000 - 1, "\(conforms - origin) µs after the first")
        #expect(conforms <= max(origin + 100_000, sixth.serverTimeMicroseconds) + 1, "\(conforms - origin) µs")
        // Default burst: one second's worth.
        let other = UUID()
        let second = try await Support.reserve(limiter, org: org, sender: other, segments: 10, rate: 10)
        #expect(second.delay == .zero)
        let more = try await Support.reserve(limiter, org: org, sender: other, segments: 1, rate: 10)
        let moreConforms = more.serverTimeMicroseconds(throughSegment: 1)
        #expect(moreConforms >= second.serverTimeMicroseconds + 100_000 - 1)
        #expect(moreConforms <= max(second.serverTimeMicroseconds + 100_000, more.serverTimeMicroseconds) + 1)
        await client.close()
    }

    @Test func backOffDelaysEveryWorkerOfThatNumber() async throws {
        let keys = Support.freshKeys()
        let clientA = try await Support.sharedClient()
        let clientB = try await Support.sharedClient()
        let workerA = SenderRateLimiter(client: clientA, keys: keys, logger: Support.logger)
        let workerB = SenderRateLimiter(client: clientB, keys: keys, logger: Support.logger)
        let org = UUID()
        let sender = UUID()
        let bystander = UUID()
        let paused = try await workerA.backOff(orgID: org, senderID: sender, for: .seconds(2))
        #expect(paused.pausedFor == .seconds(2))
        #expect(paused.pauseEndMicroseconds == paused.serverTimeMicroseconds + 2_000_000)
        // A shorter backoff does not shorten the pause in force.
        let still = try await workerB.backOff(orgID: org, senderID: sender, for: .milliseconds(100))
        let pauseEnd = max(paused.pauseEndMicroseconds, still.serverTimeMicroseconds + 100_000)
        #expect(still.pauseEndMicroseconds == pauseEnd)
        // Another worker's reservations wait for the pause, then resume at the rate without a
        // burst: the first segment conforms when the pause ends, the next one interval later.
        let first = try await Support.reserve(workerB, org: org, sender: sender, segments: 1, rate: 10, burst: 10)
        let next = try await Support.reserve(workerA, org: org, sender: sender, segments: 1, rate: 10, burst: 10)
        let firstConforms = first.serverTimeMicroseconds(throughSegment: 1)
        let nextConforms = next.serverTimeMicroseconds(throughSegment: 1)
        #expect(abs(firstConforms - max(pauseEnd, first.serverTimeMicroseconds - 900_000)) <= 1, "\(first)")
        #expect(abs(nextConforms - max(firstConforms + 100_000, next.serverTimeMicroseconds - 900_000)) <= 1, "\(next)")
        #expect(first.delay == .microseconds(max(0, firstConforms - first.serverTimeMicroseconds)))
        // Other numbers are not paused.
        let free = try await Support.reserve(workerA, org: org, sender: bystander, segments: 1, rate: 10, burst: 10)
        #expect(free.delay == .zero)
        await clientA.close()
        await clientB.close()
    }

    @Test func maxWaitReservesNothingWhenTheWaitIsLonger() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID()
        let sender = UUID()
        let booked = try await Support.reserve(limiter, org: org, sender: sender, segments: 40, rate: 10, burst: 1)
        // The schedule reaches 3.9 s: one more segment conforms 4.0 s after the first
        // reservation (server time), i.e. would wait ~4 s, longer than 1 s.
        let nextConforms = booked.serverTimeMicroseconds + 4_000_000
        let refused = try await limiter.reserve(
            orgID: org, senderID: sender, segments: 1, ratePerSecond: 10, burst: 1, maxWait: .seconds(1))
        guard case .wait(let retryAfter) = refused else {
            Issue.record("expected .wait, got \(refused)")
            return
        }
        // Nothing was booked: the next segment still conforms 4.0 s after the first reservation.
        let later = try await limiter.reserve(
            orgID: org, senderID: sender, segments: 1, ratePerSecond: 10, burst: 1, maxWait: .seconds(5))
        let reservation = try #require(later.reservation)
        #expect(abs(reservation.serverTimeMicroseconds(throughSegment: 1) - nextConforms) <= 1, "\(reservation)")
        // At the refused call's server time t (between the two reservations) the segment
        // would have waited nextConforms − t; it fits a 1 s maxWait after 1 s less.
        let retry = Int((Support.seconds(retryAfter) * 1e6).rounded())
        #expect(retry <= nextConforms - 1_000_000 - booked.serverTimeMicroseconds + 1, "\(retryAfter)")
        #expect(retry >= nextConforms - 1_000_000 - reservation.serverTimeMicroseconds - 1, "\(retryAfter)")
        await client.close()
    }

    @Test func aFreshOrganizationWaitsOneHorizonWithoutABurst() async throws {
        // A fresh organization cannot tell new rate state from lost state (next test).
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID()
        let sender = UUID()
        // Three segments would go 2.0–2.2 s out, past a 2 s horizon: refused for the 0.2 s too many.
        let refused = try await limiter.reserve(
            orgID: org, senderID: sender, segments: 3, ratePerSecond: 10, burst: 10, maxWait: .seconds(2))
        #expect(refused == .wait(.milliseconds(200)))
        let first = try #require(
            try await limiter.reserve(
                orgID: org, senderID: sender, segments: 1, ratePerSecond: 10, burst: 10, maxWait: .seconds(2)
            ).reservation)
        #expect(first.serverTimeMicroseconds(throughSegment: 1) - first.serverTimeMicroseconds >= 1_990_000)
        await client.close()
    }

    @Test func aNewOrganizationOnARedisThatKeptItsDataBurstsAtOnce() async throws {
        let client = try await Support.sharedClient()
        let keys = Support.freshKeys()
        // The fleet's rate state started long ago: this Redis has not lost its data since.
        _ = try await client.send(["SET", .init(keys.rateFleetEpoch), "1"])
        let limiter = SenderRateLimiter(client: client, keys: keys, logger: Support.logger)
        let first = try #require(
            try await limiter.reserve(
                orgID: UUID(), senderID: UUID(), segments: 5, ratePerSecond: 10, burst: 10, maxWait: .seconds(2)
            ).reservation)
        #expect(first.delay(throughSegment: 5) == .zero)
        await client.close()
    }

    @Test func afterRedisLostItsDataNumbersWaitOutTheHorizonWithoutABurst() async throws {
        let client = try await Support.sharedClient()
        let keys = Support.freshKeys()
        let limiter = SenderRateLimiter(client: client, keys: keys, logger: Support.logger)
        let org = UUID()
        let sender = UUID()
        func book(_ segments: Int, sender: UUID = sender) async throws -> RateDecision {
            try await limiter.reserve(
                orgID: org, senderID: sender, segments: segments, ratePerSecond: 10, burst: 10, maxWait: .seconds(1))
        }
        // State that is known (the epoch is written by a reservation without a horizon), then booked
        // as far ahead as the horizon allows, as busy workers do.
        _ = try await Support.reserve(limiter, org: org, sender: sender, segments: 1, rate: 10, burst: 10)
        var booked = 1
        while case .reserved = try await book(2) { booked += 2 }
        #expect(booked >= 15, "booked \(booked) segments")
        // Redis loses everything (FLUSHALL or a restart without persistence) while those are out.
        _ = try await client.send([
            "DEL", .init(keys.senderRate(orgID: org, senderID: sender)), .init(keys.rateEpoch(orgID: org)),
            .init(keys.rateFleetEpoch),
        ])
        // Nothing before one horizon has passed (what was booked ahead may still be going out)…
        let after = try #require(try await book(1).reservation)
        let epoch = after.serverTimeMicroseconds
        #expect(after.serverTimeMicroseconds(throughSegment: 1) == epoch + 1_000_000)
        // …and then the plain rate, no burst.
        let next = try await Support.reserve(limiter, org: org, sender: sender, segments: 9, rate: 10, burst: 10)
        #expect(next.serverTimeMicroseconds(throughSegment: 1) == epoch + 1_100_000)
        #expect(next.serverTimeMicroseconds(throughSegment: 9) == epoch + 1_900_000)
        // The organization's other numbers (their keys went too) wait out the same window.
        let other = try #require(try await book(1, sender: UUID()).reservation)
        #expect(other.serverTimeMicroseconds(throughSegment: 1) == epoch + 1_000_000)
        await client.close()
    }

    @Test func idleSendersLeaveNoKeys() async throws {
        let client = try await Support.sharedClient()
        let limiter = SenderRateLimiter(client: client, keys: Support.freshKeys(), logger: Support.logger)
        let org = UUID()
        let sender = UUID()
        let key = limiter.key(orgID: org, senderID: sender)
        #expect(key.contains("{o:\(org.uuidString.lowercased())}"))
        // The key expires when the TAT passes: 100 ms after the reservation (server time).
        let reservation = try await Support.reserve(limiter, org: org, sender: sender, segments: 2, rate: 20, burst: 1)
        try await expectExpiry(of: key, at: reservation.serverTimeMicroseconds + 100_000, on: client)
        try await Task.sleep(for: .milliseconds(150))
        #expect(try await client.send(["EXISTS", .init(key)]).int == 0)
        // A backoff keeps the key as long as the pause.
        let backOff = try await limiter.backOff(orgID: org, senderID: sender, for: .milliseconds(300))
        #expect(backOff.pauseEndMicroseconds == backOff.serverTimeMicroseconds + 300_000)
        try await expectExpiry(of: key, at: backOff.pauseEndMicroseconds, on: client)
        await client.close()
    }

    /// Expects `key` to expire at server time `micros` (to the millisecond Redis keeps), or —
    /// when the test process was starved past it — to be gone already.
    private func expectExpiry(of key: String, at micros: Int, on client: RedisClient) async throws {
        let expiresAt = try #require(try await client.send(["PEXPIRETIME", .init(key)]).int)
        if expiresAt == -2 {
            let time = try #require(try await client.send(["TIME"]).array?.compactMap(\.int))
            #expect(time.count == 2 && time[0] * 1_000_000 + time[1] >= micros - 2_000, "key gone before it expired")
        } else {
            #expect(abs(expiresAt - micros / 1_000) <= 2, "PEXPIRETIME \(expiresAt), expected \(micros / 1_000)")
        }
    }

    @Test func oneEvalshaPerCall() async throws {
        try await Support.withPrivateRedis { client in
            let limiter = SenderRateLimiter(client: client, logger: Support.logger)
            let org = UUID()
            let sender = UUID()
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
            let scriptCommands: Set = ["evalsha", "time", "hmget", "hset", "pexpire", "get", "set"]
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
        let reservation = RateReservation(
            segments: 4, baseMicroseconds: -250_000, intervalMicroseconds: 100_000,
            serverTimeMicroseconds: 1_700_000_000_000_000)
        #expect(reservation.delay(throughSegment: 1) == .zero)
        #expect(reservation.delay(throughSegment: 3) == .microseconds(50_000))
        #expect(reservation.delay == .microseconds(150_000))
        #expect(reservation.serverTimeMicroseconds(throughSegment: 1) == 1_699_999_999_850_000)
        #expect(reservation.serverTimeMicroseconds(throughSegment: 4) == 1_700_000_000_150_000)
    }
}
