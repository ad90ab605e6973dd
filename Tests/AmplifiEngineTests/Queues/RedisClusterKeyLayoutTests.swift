import AmplifiEngine
import Foundation
import Testing

/// On Redis Cluster all the keys one Lua script touches must hash to one slot. Each script call is
/// built here with the same `QueueKeys` functions its caller passes as `KEYS` (plus the keys a
/// script derives from its arguments), for two prefixes and two organizations.
@Suite("Redis Cluster key layout")
struct RedisClusterKeyLayoutTests {
    static let prefixes = ["amplifi:", "test:1a2b3c4d:"]
    static let orgA = UUID(uuidString: "0000000a-0000-4000-8000-000000000000")!
    static let orgB = UUID(uuidString: "0000000b-0000-4000-8000-000000000000")!
    static let sender = UUID(uuidString: "0000000c-0000-4000-8000-000000000000")!

    /// Every script call of the engine for `org`: its name and every key it touches.
    static func scriptCalls(_ keys: QueueKeys, org: UUID) -> [(name: String, keys: [String])] {
        // pop, reclaim, totalDepth and heads open org lists as ARGV[1] .. <org>: fairOrgQueue(org).
        let orgList = keys.fairOrgQueue(org)
        return [
            ("FairQueueScripts.push", keys.fairPushKeys(orgID: org)),
            ("FairQueueScripts.pop", keys.fairPopKeys + [orgList]),
            ("FairQueueScripts.complete", keys.fairCompleteKeys),
            ("FairQueueScripts.extend", keys.fairExtendKeys),
            ("FairQueueScripts.reclaim", keys.fairReclaimKeys + [orgList]),
            ("FairQueueScripts.clear", keys.fairClearKeys(orgID: org)),
            ("FairQueueScripts.totalDepth", keys.fairTotalDepthKeys + [orgList]),
            ("FairQueueScripts.heads", keys.fairTotalDepthKeys + [orgList]),
            ("SenderRateLimiterScripts.reserve", keys.senderReserveKeys(orgID: org, senderID: sender)),
            ("SenderRateLimiterScripts.backOff", keys.senderBackOffKeys(orgID: org, senderID: sender)),
            ("SenderRateLimiterScripts.noteFleetEpoch", [keys.rateFleetEpoch]),
        ]
    }

    @Test func theSlotFunctionAgreesWithRedis() {
        #expect(RedisClusterSlot.crc16(Array("123456789".utf8)) == 0x31C3)
        // What `CLUSTER KEYSLOT` answers on a Redis 7.0 server in cluster mode: plain keys, tags,
        // empty and unclosed braces (the whole key is hashed), the first `}` after the first `{`.
        let known: [(key: String, slot: Int)] = [
            ("foo", 12182), ("123456789", 12739), ("{user1000}.following", 3443), ("{user1000}.followers", 3443),
            ("foo{}{bar}", 8363), ("foo{{bar}}zap", 4015), ("{bar", 4015), ("foo{bar}{zap}", 5061), ("bar", 5061),
            ("{}", 15257), ("{", 4092), ("}", 12090), ("a{b", 13340), ("}{x}", 16287), ("x", 16287), ("", 0),
            ("héllo", 11061), ("{héllo}x", 11061), ("amplifi:{fq}:ready", 3898),
        ]
        for (key, slot) in known {
            #expect(RedisClusterSlot.slot(key) == slot, "slot of \"\(key)\"")
        }
    }

    @Test func everyScriptCallTouchesOneSlot() {
        for prefix in Self.prefixes {
            let keys = QueueKeys(prefix: prefix)
            for org in [Self.orgA, Self.orgB] {
                for call in Self.scriptCalls(keys, org: org) {
                    let slots = call.keys.map { "\($0) → \(RedisClusterSlot.slot($0))" }
                    #expect(
                        Set(call.keys.map(RedisClusterSlot.slot)).count == 1,
                        "\(call.name) spans slots: \(slots.joined(separator: ", "))")
                }
            }
        }
    }

    /// The org list a script builds from ARGV is the key the Swift side names for that org.
    @Test func scriptsBuildTheSameOrgListKeyAsTheCallers() {
        let keys = QueueKeys()
        #expect(keys.fairOrgQueue(Self.orgA) == keys.fairOrgQueuePrefix + Self.orgA.uuidString.lowercased())
    }

    /// One org's keys share its `{o:<org>}` slot (a script about one org may use them all); other
    /// orgs' keys spread over the cluster. The fair queue and the admission plane each keep one slot.
    @Test func organizationsSpreadAndEachGroupKeepsItsSlot() {
        let keys = QueueKeys()
        let other = UUID(uuidString: "0000000d-0000-4000-8000-000000000000")!
        let slotA = RedisClusterSlot.slot(keys.senderRate(orgID: Self.orgA, senderID: Self.sender))
        #expect(RedisClusterSlot.slot(keys.senderRate(orgID: Self.orgA, senderID: other)) == slotA)
        #expect(RedisClusterSlot.slot(keys.orgScoped(Self.orgA, "pause:x")) == slotA)
        #expect(RedisClusterSlot.slot(keys.senderRate(orgID: Self.orgB, senderID: Self.sender)) != slotA)
        let queue = Set(
            (Self.scriptCalls(keys, org: Self.orgA) + Self.scriptCalls(keys, org: Self.orgB))
                .filter { $0.name.hasPrefix("FairQueueScripts.") }.flatMap { $0.keys }.map(RedisClusterSlot.slot))
        #expect(queue.count == 1)
        let admission = [keys.admissionStream, keys.admittedSet, keys.requeuedMarker(Self.orgA)]
        #expect(Set(admission.map(RedisClusterSlot.slot)).count == 1)
    }

    /// Why the prefix may not hold braces: an empty `{}` in it replaces the tags, and the fair
    /// queue's keys scatter.
    @Test func aPrefixWithBracesBreaksTheLayout() {
        let keys = QueueKeys(prefix: "x{}")
        #expect(Set(keys.fairPopKeys.map(RedisClusterSlot.slot)).count > 1)
    }
}
