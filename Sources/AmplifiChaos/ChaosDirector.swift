import AmplifiCarrierSimulator
import AmplifiCarriers
import AmplifiEngine
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiRedis
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Carries out a chaos run's window: the fault schedule, the scenario's actions (A/B winner, pause
/// and resume, cancel, top-up and resume after running out of credits) and the inbound STOPs, all
/// at once; then restores the fleet and waits until every campaign has settled.
struct ChaosDirector: Sendable {
    let configuration: ChaosConfiguration
    let scenario: ChaosScenario
    let fleet: ChaosFleet
    let postgres: LocalPostgresServer
    let redisServer: LocalRedisServer
    let client: PostgresClient
    let redis: RedisClient
    let control: CarrierSimulatorControl
    let carrierURL: String
    let carrierAuthorization: String
    let journal: ChaosJournal
    /// Messages the carrier has created so far.
    let carrierCreated: @Sendable () -> Int
    let logger: Logger
    let say: @Sendable (String) -> Void

    /// Runs the window and the settling; returns the seconds from the window's opening until every
    /// campaign settled, or nil when it did not within the configured time.
    func run(schedule: [ChaosEvent], roles: [ChaosFleet.Role]) async throws -> Double? {
        let opened = ContinuousClock.now
        let window = Duration.seconds(configuration.durationSeconds)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.inject(schedule, opened: opened) }
            group.addTask { await self.act(opened: opened, window: window) }
            group.addTask { await self.sendStops(opened: opened, window: window) }
            group.addTask { await self.reportProgress(opened: opened) }
            group.addTask {
                await self.topUpWhenOutOfCredits(until: opened + window + .seconds(configuration.settleSeconds))
            }
            // The watcher and the progress lines run until cancelled; the others end with the window.
            for _ in 0..<3 { try await group.next() }
            group.cancelAll()
        }
        // Restore anything a fault left down, and wait for the campaigns to settle.
        for role in try await fleet.ensureRunning(roles) { await journal.note("restarted \(role) (was down)") }
        let deadline = opened + window + .seconds(configuration.settleSeconds)
        say("window closed; waiting up to \(Int(configuration.settleSeconds)) s for every campaign to settle …")
        var lastReport = ContinuousClock.now
        while ContinuousClock.now < deadline {
            await topUpIfOutOfCredits()
            if let open = try? await openWork() {
                if open == 0 {
                    let settled = (ContinuousClock.now - opened).asSeconds
                    await journal.note("every campaign settled")
                    return settled
                }
                if ContinuousClock.now - lastReport > .seconds(10) {
                    say("  \(open) rows or campaigns still open")
                    lastReport = .now
                }
            }
            _ = try? await fleet.ensureRunning(roles)
            try await Task.sleep(for: .seconds(2))
        }
        return nil
    }

    /// A line every 30 s: messages the carrier created so far.
    private func reportProgress(opened: ContinuousClock.Instant) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(30))
            if Task.isCancelled { break }
            say(
                "  \(String(format: "%5.1f", (ContinuousClock.now - opened).asSeconds)) s  … \(carrierCreated()) messages created at the carrier"
            )
        }
    }

    // MARK: Faults

    /// Injects each fault at its time.
    private func inject(_ schedule: [ChaosEvent], opened: ContinuousClock.Instant) async throws {
        for event in schedule {
            try await Task.sleep(until: opened + .milliseconds(Int64(event.at * 1_000)), clock: .continuous)
            await journal.note(event.fault.description)
            say("  \(String(format: "%5.1f", event.at)) s  \(event.fault)")
            do {
                try await inject(event.fault)
            } catch {
                await journal.note("\(event.fault) failed: \(error)")
            }
        }
    }

    /// Injects one fault.
    private func inject(_ fault: ChaosFault) async throws {
        switch fault {
        case .killWorker(let index):
            try await restartSoon(.worker(index), signal: SIGKILL)
        case .terminateWorker(let index):
            try await fleet.restart(.worker(index), signal: SIGTERM)
        case .killScheduler(let index):
            try await restartSoon(.scheduler(index), signal: SIGKILL)
        case .terminateScheduler(let index):
            try await fleet.restart(.scheduler(index), signal: SIGTERM)
        case .killReceiver:
            try await restartSoon(.receiver, signal: SIGKILL)
        case .terminateReceiver:
            try await fleet.restart(.receiver, signal: SIGTERM)
        case .restartRedis:
            try await redisServer.restart()
        case .flushRedis:
            _ = try await redis.send(["FLUSHALL"])
        case .restartPostgres:
            try await postgres.restart()
        case .throttle(let seconds, let retryAfter):
            control.startThrottle(for: .seconds(seconds), retryAfterSeconds: retryAfter)
        case .outage(let seconds):
            control.startOutage(for: .seconds(seconds))
        }
    }

    /// Kills `role` now and starts it again a second later, as a supervisor would.
    private func restartSoon(_ role: ChaosFleet.Role, signal: Int32) async throws {
        await fleet.stop(role, signal: signal)
        try await Task.sleep(for: .seconds(1))
        try await fleet.start(role)
    }

    // MARK: Scenario actions

    /// The scenario's actions, in order, each no earlier than its share of the window and, for
    /// pause and cancel, once the campaign is under way (a tenth of its audience texted), so they
    /// land mid-send: A/B winner from 15%, pause from 25%, cancel from 35%, resume from 45% and at
    /// least 15% of the window after the cancel (so the campaign stays paused a while). Each is
    /// retried (Postgres or Redis may be down at that moment); one whose campaign never got under way
    /// is done anyway once the window has closed.
    private func act(opened: ContinuousClock.Instant, window: Duration) async {
        // (share of the window, least share after the action before it, what, how)
        let actions: [(Double, Double, String, @Sendable () async throws -> Void)] = [
            (0.15, 0, "A/B winner A chosen for \"ab\"", { try await self.chooseWinner() }),
            (0.25, 0, "\"pause\" paused mid-send", { try await self.apply(.pause, "pause", underWay: true) }),
            (0.35, 0, "\"cancel\" canceled mid-send", { try await self.apply(.cancel, "cancel", underWay: true) }),
            (0.45, 0.15, "\"pause\" resumed", { try await self.apply(.resume, "pause", underWay: false) }),
        ]
        let forced = opened + window
        var previous = opened
        for (share, gap, what, action) in actions {
            try? await Task.sleep(until: max(opened + window * share, previous + window * gap), clock: .continuous)
            defer { previous = .now }
            let deadline = forced + window * 0.5
            while true {
                do {
                    try await action()
                    await journal.note(what)
                    break
                } catch let error as NotUnderWay where ContinuousClock.now >= forced {
                    // The window is over: act on it as it is.
                    _ = error
                    try? await apply(error.command, error.campaign, underWay: false)
                    await journal.note("\(what) (not yet under way when the window closed)")
                    break
                } catch {
                    if ContinuousClock.now > deadline {
                        await journal.note("\(what): gave up: \(error)")
                        break
                    }
                    try? await Task.sleep(for: .milliseconds(500))
                }
            }
        }
    }

    /// A campaign an action waits for has not got under way yet.
    private struct NotUnderWay: Error {
        let command: Command
        let campaign: String
    }

    /// Releases the A/B campaign's held recipients to variant A (once its samples are planned).
    private func chooseWinner() async throws {
        guard let campaign = scenario.campaign("ab") else { return }
        let held = try await client.query(
            "SELECT count(*)::int FROM campaign_messages WHERE campaign_id = \(campaign.id) AND status = 'held'")[0]
            .decode(Int.self)
        guard held > 0 else { throw ChaosError("the A/B campaign has no held recipients yet") }
        _ = try await ABWinnerSelection(client: client, redis: redis, logger: logger)
            .choose(campaignID: campaign.id, orgID: campaign.orgID, variant: "A")
    }

    /// What ops do to a campaign.
    private enum Command { case pause, resume, cancel }

    /// Pauses, resumes or cancels the campaign named `name` — when `underWay`, only once a tenth of
    /// its audience has been texted (else throws `NotUnderWay`).
    private func apply(_ command: Command, _ name: String, underWay: Bool) async throws {
        guard let campaign = scenario.campaign(name) else { return }
        if underWay {
            let sent = try await client.query("SELECT sent_count::int FROM campaigns WHERE id = \(campaign.id)")[0]
                .decode(Int.self)
            guard sent * 10 >= campaign.audience else { throw NotUnderWay(command: command, campaign: name) }
        }
        let campaigns = CampaignControl(client: client, redis: redis, logger: logger)
        switch command {
        case .pause: _ = try await campaigns.pause(campaignID: campaign.id, orgID: campaign.orgID)
        case .resume: _ = try await campaigns.resume(campaignID: campaign.id, orgID: campaign.orgID)
        case .cancel: _ = try await campaigns.cancel(campaignID: campaign.id, orgID: campaign.orgID)
        }
    }

    // MARK: STOPs

    /// Inbound STOPs from the scenario's candidates, at seeded times between 10% and 80% of the
    /// window; each is posted (through the carrier, signed) until the receiver takes it.
    private func sendStops(opened: ContinuousClock.Instant, window: Duration) async {
        var random = SplitMix64(seed: configuration.seed ^ 0x570B)
        let times = scenario.stopCandidates.map { _ in 0.1 + 0.7 * Double(random.next() >> 11) / 9_007_199_254_740_992.0
        }
        let plan = zip(times, scenario.stopCandidates).sorted { $0.0 < $1.0 }
        var sent = 0
        for (share, candidate) in plan {
            try? await Task.sleep(until: opened + window * share, clock: .continuous)
            if Task.isCancelled { break }
            if await postStop(from: candidate.phone, to: candidate.to) { sent += 1 }
        }
        await journal.note("\(sent) of \(plan.count) inbound STOPs taken by the receiver")
    }

    /// Posts one STOP until the receiver answers 200 (it may be down), for up to 30 s.
    private func postStop(from phone: String, to number: String) async -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            var request = HTTPClientRequest(url: carrierURL + "/sim/inbound")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.headers.add(name: "Authorization", value: carrierAuthorization)
            request.body = .bytes(
                ByteBuffer(string: FormURLEncoding.encode([("From", phone), ("To", number), ("Body", "STOP")])))
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(10)) {
                _ = try? await response.body.collect(upTo: 1 << 16)
                if response.status.code == 200 { return true }
            }
            try? await Task.sleep(for: .milliseconds(500))
        }
        return false
    }

    // MARK: Credits

    /// Until `end`: when a campaign is paused for want of credits, top its organization up and resume it.
    private func topUpWhenOutOfCredits(until end: ContinuousClock.Instant) async {
        while ContinuousClock.now < end, !Task.isCancelled {
            await topUpIfOutOfCredits()
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// One look for campaigns paused for want of credits: top up (enough for all of its audience)
    /// and resume.
    private func topUpIfOutOfCredits() async {
        guard
            let rows = try? await client.query(
                "SELECT id, org_id FROM campaigns WHERE status = 'paused' AND status_reason = 'insufficient_credits'")
        else { return }
        for row in rows {
            guard let (id, org) = try? row.decode((UUID, UUID).self),
                let campaign = scenario.campaigns.first(where: { $0.id == id })
            else { continue }
            do {
                _ = try await OrganizationStore(client: client, logger: logger)
                    .topUp(org: org, amount: Int64(campaign.audience * 2), reason: "chaos top-up")
                _ = try await CampaignControl(client: client, redis: redis, logger: logger).resume(
                    campaignID: id, orgID: org)
                await journal.note("\"\(campaign.name)\" ran out of credits: topped up and resumed")
            } catch {
                logger.debug("top-up failed", metadata: ["error": "\(error)"])
            }
        }
    }

    // MARK: Settling

    /// Rows not final (and deferred rows already due) plus campaigns not yet sending or done.
    private func openWork() async throws -> Int {
        try await client.query(
            """
            SELECT (SELECT count(*) FROM campaign_messages
                    WHERE status IN ('pending', 'sending', 'unknown', 'held')
                       OR (status = 'deferred' AND defer_until <= now()))::int
                 + (SELECT count(*) FROM campaigns WHERE status IN ('pending', 'queued', 'paused'))::int
            """)[0].decode(Int.self)
    }
}
