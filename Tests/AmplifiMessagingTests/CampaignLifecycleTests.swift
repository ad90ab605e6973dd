import AmplifiMessaging
import Testing

@Suite("Campaign lifecycle")
struct CampaignLifecycleTests {
    /// The allowed transitions, written out independently of the implementation's table.
    static let expected: Set<String> = [
        "draft>scheduled", "draft>pending", "draft>failed", "draft>canceled",
        "scheduled>pending", "scheduled>failed", "scheduled>canceled",
        "pending>queued", "pending>paused", "pending>failed", "pending>canceled",
        "queued>sending", "queued>paused", "queued>failed", "queued>canceled",
        "sending>completed", "sending>paused", "sending>failed", "sending>canceled",
        "paused>pending", "paused>failed", "paused>canceled",
    ]

    @Test("Raw values as stored in the database")
    func rawValues() {
        #expect(
            CampaignStatus.allCases.map(\.rawValue) == [
                "draft", "scheduled", "pending", "queued", "sending", "completed", "failed", "paused", "canceled",
            ])
    }

    @Test("All 81 pairs match the expected table", arguments: CampaignStatus.allCases, CampaignStatus.allCases)
    func pair(from: CampaignStatus, to: CampaignStatus) {
        let allowed = Self.expected.contains("\(from.rawValue)>\(to.rawValue)")
        #expect(CampaignLifecycle.canTransition(from: from, to: to) == allowed)
        #expect(CampaignLifecycle.allowedSources(to: to).contains(from) == allowed)
        if allowed {
            #expect(throws: Never.self) { try CampaignLifecycle.validateTransition(from: from, to: to) }
        } else {
            #expect(throws: CampaignTransitionError(from: from, to: to)) {
                try CampaignLifecycle.validateTransition(from: from, to: to)
            }
        }
    }

    @Test("Final statuses")
    func finals() {
        #expect(CampaignStatus.allCases.filter(\.isFinal) == [.completed, .failed, .canceled])
    }

    @Test("Allowed sources, for the guarded UPDATE")
    func sources() {
        #expect(CampaignLifecycle.allowedSources(to: .paused) == [.pending, .queued, .sending])
        #expect(CampaignLifecycle.allowedSources(to: .pending) == [.draft, .scheduled, .paused])
        #expect(
            CampaignLifecycle.allowedSources(to: .canceled) == [
                .draft, .scheduled, .pending, .queued, .sending, .paused,
            ])
        #expect(
            CampaignLifecycle.allowedSources(to: .failed) == [.draft, .scheduled, .pending, .queued, .sending, .paused])
        #expect(CampaignLifecycle.allowedSources(to: .draft) == [])
        #expect(CampaignLifecycle.allowedSources(to: .completed) == [.sending])
    }

    @Test("Transition error explains what is possible")
    func errorMessage() {
        let error = CampaignTransitionError(from: .draft, to: .sending)
        #expect(error.code == .invalidTransition)
        #expect(error.message.contains("scheduled, pending, failed, canceled"))
        #expect(CampaignTransitionError(from: .completed, to: .pending).message.contains("final"))
    }
}
