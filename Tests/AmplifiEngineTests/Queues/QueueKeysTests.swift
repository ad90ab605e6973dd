import AmplifiEngine
import Foundation
import Testing

@Suite struct QueueKeysTests {
    @Test func defaultPrefixAndTags() {
        let keys = QueueKeys()
        let org = UUID(uuidString: "6F1C2B9A-0000-4000-8000-000000000001")!
        #expect(keys.admissionStream == "amplifi:{adm}:campaigns")
        #expect(keys.admissionGroup == "planners")
        #expect(keys.fairOrgQueue(org) == "amplifi:{fq}:org:6f1c2b9a-0000-4000-8000-000000000001")
        #expect(keys.orgScoped(org, "pause") == "amplifi:{o:6f1c2b9a-0000-4000-8000-000000000001}:pause")
        // Every fair-queue key shares the {fq} tag (one Cluster slot for the scripts).
        for key in [
            keys.fairReady, keys.fairInFlight, keys.fairLeases, keys.fairLeaseJobs, keys.fairMembers, keys.fairTurn,
        ] {
            #expect(key.hasPrefix("amplifi:{fq}:"))
        }
    }

    @Test func customPrefix() {
        let keys = QueueKeys(prefix: "test:abc:")
        #expect(keys.admissionStream == "test:abc:{adm}:campaigns")
        #expect(keys.fairReady == "test:abc:{fq}:ready")
    }
}
