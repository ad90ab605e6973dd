import AmplifiCarriers
import AmplifiMessaging
import Foundation
import Logging
import Testing

@Suite struct SimulatedCarrierTests {
    static let logger = Logger(label: "test.carrier-sim")
    static let org = UUID()

    /// `count` messages to distinct recipients, ids from `firstID`.
    static func batch(_ count: Int, firstID: Int64 = 1, body: String = "Hi {{firstName}}, 20% off today")
        -> [OutboundMessage]
    {
        (0..<count).map { index in
            OutboundMessage(
                id: firstID + Int64(index), orgID: org, from: PhoneNumber(trustedE164: "+14155552345"),
                to: PhoneNumber(trustedE164: "+1919555\(String(format: "%04d", (Int(firstID) + index) % 10_000))"),
                body: body)
        }
    }

    @Test func acceptsWithTwilioLikeSIDsInOrder() async throws {
        let carrier = SimulatedCarrier(logger: Self.logger)
        let messages = Self.batch(50)
        let results = await carrier.send(messages)
        #expect(results.count == 50)
        var sids = Set<String>()
        for result in results {
            guard case .accepted(let sid, let status, let segments, let price) = result else {
                Issue.record("not accepted: \(result)")
                continue
            }
            #expect(sid.utf8.count == 34)
            #expect(sid.hasPrefix("SM"))
            #expect(sid.dropFirst(2).allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(status == .queued)
            #expect(segments == 1)
            #expect(price == nil)
            sids.insert(sid)
        }
        #expect(sids.count == 50)
        let log = carrier.sendLog()
        #expect(log.map(\.messageID) == messages.map(\.id))
        #expect(log.map(\.to) == messages.map(\.to))
        #expect(log.allSatisfy { $0.accepted })
        #expect(carrier.duplicateDeliveries().isEmpty)
        #expect(await carrier.send([]).isEmpty)
    }

    @Test func countsSegmentsLikeTheSegmenter() async {
        let carrier = SimulatedCarrier(logger: Self.logger)
        let long = String(repeating: "a", count: 161)
        let emoji = String(repeating: "😀", count: 36)  // 72 UTF-16 units: 2 UCS-2 segments
        var mms = Self.batch(1, firstID: 3, body: long)[0]
        mms.mediaURL = "https://example.com/a.png"
        let results = await carrier.send(Self.batch(1, body: long) + Self.batch(1, firstID: 2, body: emoji) + [mms])
        let segments = results.map { result -> Int in
            if case .accepted(_, _, let segments, _) = result { return segments }
            return -1
        }
        #expect(segments == [2, 2, 1])
    }

    @Test func sameSeedSameOutcomes() async {
        let configuration = SimulatedCarrierConfiguration(
            permanentFailureRate: 0.1, optedOutRate: 0.05, contentFilterRate: 0.05, transientFailureRate: 0.1,
            rateLimitRate: 0.05, seed: 42)
        let first = SimulatedCarrier(configuration: configuration, logger: Self.logger)
        let second = SimulatedCarrier(configuration: configuration, logger: Self.logger)
        let messages = Self.batch(500)
        let a = await first.send(messages)
        let b = await second.send(messages)
        // Same outcomes message by message; the sids differ (each instance has its own
        // random sid tag, so two worker processes never hand out the same sid).
        #expect(a.map(\.error?.code) == b.map(\.error?.code))
        #expect(a.map { $0.providerMessageID == nil } == b.map { $0.providerMessageID == nil })
        let sidsA = Set(a.compactMap(\.providerMessageID))
        #expect(sidsA.isDisjoint(with: b.compactMap(\.providerMessageID)))
        var other = configuration
        other.seed = 43
        let c = await SimulatedCarrier(configuration: other, logger: Self.logger).send(messages)
        #expect(a.map(\.error?.code) != c.map(\.error?.code))
    }

    @Test func failureRatesPerClass() async {
        let configuration = SimulatedCarrierConfiguration(
            permanentFailureRate: 0.10, optedOutRate: 0.05, contentFilterRate: 0.04, transientFailureRate: 0.08,
            rateLimitRate: 0.06, rateLimitRetryAfter: .seconds(2), seed: 7)
        let carrier = SimulatedCarrier(configuration: configuration, logger: Self.logger)
        var counts: [String: Int] = [:]
        let total = 10_000
        for start in stride(from: 0, to: total, by: 500) {
            for result in await carrier.send(Self.batch(500, firstID: Int64(start))) {
                counts[result.error?.code ?? "ok", default: 0] += 1
            }
        }
        func share(_ code: String) -> Double { Double(counts[code, default: 0]) / Double(total) }
        // Rates are applied in order (429, 30003, then the recipient-bound ones on what is left).
        #expect(abs(share("20429") - 0.06) < 0.015)
        #expect(abs(share("30003") - 0.08) < 0.015)
        #expect(abs(share("21211") - 0.10 * 0.86) < 0.02)
        #expect(abs(share("21610") - 0.05 * 0.86) < 0.015)
        #expect(abs(share("30007") - 0.04 * 0.86 * 0.85) < 0.015)
        #expect(counts.keys.sorted() == ["20429", "21211", "21610", "30003", "30007", "ok"])
        #expect(carrier.attemptCount == total)
    }

    @Test func errorsAreClassified() async throws {
        let all = SimulatedCarrierConfiguration(rateLimitRate: 1, rateLimitRetryAfter: .milliseconds(250))
        let limited = await SimulatedCarrier(configuration: all, logger: Self.logger).send(Self.batch(3))
        for result in limited {
            let error = try #require(result.error)
            #expect(error.code == "20429")
            #expect(error.httpStatus == 429)
            #expect(error.disposition == .retryBatchLater(retryAfter: .milliseconds(250)))
        }
        let optedOut = await SimulatedCarrier(
            configuration: SimulatedCarrierConfiguration(optedOutRate: 1), logger: Self.logger
        ).send(Self.batch(1))
        #expect(optedOut[0].error?.disposition == .failRow(markNotTextable: false, optOut: true))
        #expect(optedOut[0].error?.isCharged == false)
        let filtered = await SimulatedCarrier(
            configuration: SimulatedCarrierConfiguration(contentFilterRate: 1), logger: Self.logger
        ).send(Self.batch(1))
        #expect(filtered[0].error?.disposition == .contentFiltered)
    }

    @Test func recipientBoundFailuresRepeatOnRetry() async {
        let configuration = SimulatedCarrierConfiguration(
            permanentFailureRate: 0.2, optedOutRate: 0.1, transientFailureRate: 0.3, seed: 9)
        let carrier = SimulatedCarrier(configuration: configuration, logger: Self.logger)
        let messages = Self.batch(300)
        let first = await carrier.send(messages)
        let second = await carrier.send(messages)
        for (a, b) in zip(first, second) where ["21211", "21610"].contains(a.error?.code) {
            // A retry may now hit a transient error first, but never succeeds.
            #expect(b.providerMessageID == nil)
            if b.error?.code != "30003" { #expect(a.error?.code == b.error?.code) }
        }
        // Transient errors are drawn per attempt: some recover.
        let recovered = zip(first, second).filter { $0.0.error?.code == "30003" && $0.1.providerMessageID != nil }
        #expect(!recovered.isEmpty)
    }

    @Test func logFindsDuplicates() async {
        let carrier = SimulatedCarrier(logger: Self.logger)
        let messages = Self.batch(10)
        _ = await carrier.send(messages)
        #expect(carrier.duplicateDeliveries().isEmpty)
        _ = await carrier.send([messages[3]])
        let duplicates = carrier.duplicateDeliveries()
        #expect(duplicates.count == 1)
        #expect(duplicates.first?.to == messages[3].to)
        #expect(carrier.acceptedCounts()[messages[3].key] == 2)
        // The same recipient with a different body is a different (to, body) pair.
        var other = messages[4]
        other.body = "another campaign"
        _ = await carrier.send([other])
        #expect(carrier.duplicateDeliveries().count == 1)
    }

    @Test func ambiguousAnswersCreateTheMessageAndAreRepeatableBySeed() async throws {
        let configuration = SimulatedCarrierConfiguration(
            permanentFailureRate: 0.1, transientFailureRate: 0.1, ambiguousRate: 0.2, seed: 11)
        let carrier = SimulatedCarrier(configuration: configuration, logger: Self.logger)
        let messages = Self.batch(2_000)
        let results = await carrier.send(messages)
        let ambiguous = results.indices.filter { results[$0].error?.isAmbiguous == true }
        // 20% of the attempts not refused per attempt (90%), of which 90% are not refused per recipient.
        #expect(abs(Double(ambiguous.count) / 2_000 - 0.2 * 0.9) < 0.03)
        for index in ambiguous {
            #expect(results[index].error == .responseTimeout)
            #expect(results[index].error?.disposition == .settleLater)
        }
        // Created: logged as accepted (with the lost answer noted), listed with the body, fetchable.
        let log = carrier.sendLog()
        #expect(log.filter(\.answerLost).map(\.messageID) == ambiguous.map { messages[$0].id })
        #expect(ambiguous.allSatisfy { log[$0].accepted && log[$0].body == messages[$0].body })
        let first = try #require(ambiguous.first)
        let listed = try await carrier.listMessages(to: messages[first].to, sentOnOrAfter: Date())
        #expect(listed.count == 1)
        #expect(listed.first?.body == messages[first].body)
        #expect(listed.first?.from == messages[first].from.e164)
        let sid = try #require(listed.first?.report.providerMessageID)
        #expect(try await carrier.fetch(providerMessageID: sid)?.status == .delivered)
        // Sending it again blindly is exactly the duplicate the pipeline must avoid.
        #expect(carrier.duplicateDeliveries().isEmpty)
        let resent = try #require(await carrier.send([messages[first]]).first)
        let createdAgain = resent.error == nil || resent.error?.isAmbiguous == true
        #expect(carrier.duplicateDeliveries().count == (createdAgain ? 1 : 0))
        // Same seed, same answers; without ambiguity the other outcomes are unchanged.
        let again = await SimulatedCarrier(configuration: configuration, logger: Self.logger).send(messages)
        #expect(again.map(\.error?.code) == results.map(\.error?.code))
        var plain = configuration
        plain.ambiguousRate = 0
        let unambiguous = await SimulatedCarrier(configuration: plain, logger: Self.logger).send(messages)
        for (with, without) in zip(results, unambiguous) where with.error?.isAmbiguous != true {
            #expect(with.error?.code == without.error?.code)
        }
        #expect(unambiguous.allSatisfy { $0.error?.isAmbiguous != true })
    }

    @Test func fetchReportsDelivered() async throws {
        let carrier = SimulatedCarrier(logger: Self.logger)
        let results = await carrier.send(Self.batch(3, body: String(repeating: "b", count: 200)))
        let sid = try #require(results[1].providerMessageID)
        let report = try #require(try await carrier.fetch(providerMessageID: sid))
        #expect(report.providerMessageID == sid)
        #expect(report.status == .delivered)
        #expect(report.segments == 2)
        #expect(report.priceMicros == 15_000)
        #expect(try await carrier.fetch(providerMessageID: "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") == nil)
        #expect(try await carrier.fetch(providerMessageID: "nope") == nil)
        let other = SimulatedCarrier(configuration: SimulatedCarrierConfiguration(seed: 99), logger: Self.logger)
        #expect(try await other.fetch(providerMessageID: sid) == nil)
    }

    @Test func fixedAndRangeLatency() async {
        let fixed = SimulatedCarrier(
            configuration: SimulatedCarrierConfiguration(latency: .fixed(.milliseconds(30))), logger: Self.logger)
        let clock = ContinuousClock()
        var elapsed = await clock.measure { _ = await fixed.send(Self.batch(20)) }
        // Only the lower bound: an upper bound on wall time fails on a loaded machine.
        #expect(elapsed >= .milliseconds(30))
        let ranged = SimulatedCarrier(
            configuration: SimulatedCarrierConfiguration(latency: .range(.milliseconds(10)...(.milliseconds(40)))),
            logger: Self.logger)
        elapsed = await clock.measure { _ = await ranged.send(Self.batch(20)) }
        #expect(elapsed >= .milliseconds(10))
    }

    @Test func zeroLatencyIsCheap() async {
        let carrier = SimulatedCarrier(
            configuration: SimulatedCarrierConfiguration(
                permanentFailureRate: 0.01, transientFailureRate: 0.01, rateLimitRate: 0.01, recordsLog: false),
            logger: Self.logger)
        let batches = (0..<20).map { Self.batch(500, firstID: Int64($0 * 500)) }
        let clock = ContinuousClock()
        var total = 0
        let elapsed = await clock.measure {
            for _ in 0..<5 {
                for batch in batches { total += await carrier.send(batch).count }
            }
        }
        #expect(total == 50_000)
        #expect(carrier.sendLog().isEmpty)
        // Generous even for a debug build on a busy 2-core machine; release is far faster.
        #expect(elapsed < .seconds(10), "50k messages took \(elapsed)")
    }

    @Test func concurrentBatchesKeepEveryAttempt() async {
        let carrier = SimulatedCarrier(logger: Self.logger)
        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask { _ = await carrier.send(Self.batch(100, firstID: Int64(worker * 100))) }
            }
        }
        #expect(carrier.attemptCount == 800)
        #expect(Set(carrier.sendLog().map(\.messageID)).count == 800)
    }
}

extension OutboundMessage {
    /// The log key this message would have.
    var key: SimulatedSendKey {
        SimulatedSendKey(to: to, bodyHash: StableHash.hash(bytes: body.utf8))
    }
}
