import AmplifiEngine
import Foundation
import Testing

/// The status callback URL: workers build `…/<org id>/<message id>`; the pre-011 `…/<message id>`
/// still parses (messages sent before the upgrade keep it), without an org.
@Suite struct StatusCallbackTargetTests {
    static let org = UUID(uuidString: "4F1C2B3A-0000-4000-8000-00000000ABCD")!

    @Test func workersPutTheOrgInLowercaseBeforeTheMessageID() {
        let url = StatusCallbackTarget.url(
            base: "https://hooks.example.com/twilio/status", orgID: Self.org, messageID: 42)
        #expect(url == "https://hooks.example.com/twilio/status/4f1c2b3a-0000-4000-8000-00000000abcd/42")
        #expect(StatusCallbackTarget(url: url) == StatusCallbackTarget(orgID: Self.org, messageID: 42))
        let configuration = ChunkSenderConfiguration(
            workerID: "w", statusCallbackBaseURL: "https://hooks.example.com/twilio/status")
        #expect(configuration.statusCallbackURL(orgID: Self.org, messageID: 42) == url)
        #expect(ChunkSenderConfiguration(workerID: "w").statusCallbackURL(orgID: Self.org, messageID: 42) == nil)
    }

    @Test func thePreUpgradeShapeParsesWithoutAnOrg() {
        #expect(
            StatusCallbackTarget(url: "http://127.0.0.1:8080/twilio/status/7")
                == StatusCallbackTarget(orgID: nil, messageID: 7))
        #expect(StatusCallbackTarget(url: "/twilio/status/7") == StatusCallbackTarget(orgID: nil, messageID: 7))
        // An upper-case org (a hand-made URL) is the same org.
        #expect(
            StatusCallbackTarget(url: "/twilio/status/4F1C2B3A-0000-4000-8000-00000000ABCD/9")
                == StatusCallbackTarget(orgID: Self.org, messageID: 9))
    }

    @Test func aURLThatEndsInNoMessageIDNamesNothing() {
        #expect(StatusCallbackTarget(url: "/twilio/status") == nil)
        #expect(StatusCallbackTarget(url: "/twilio/status/4f1c2b3a-0000-4000-8000-00000000abcd/x") == nil)
        #expect(StatusCallbackTarget(url: "https://hooks.example.com/twilio/status?m=42") == nil)
        #expect(StatusCallbackTarget(url: "") == nil)
        // A query after the id is not part of it.
        #expect(StatusCallbackTarget(url: "/twilio/status/12?retry=1")?.messageID == 12)
    }
}
