import AmplifiMessaging
import Foundation
import Testing

@Suite("A/B sampling")
struct ABSamplerTests {
    @Test("5% A, 5% B, 90% held, each within 0.5 points on 100k random ids")
    func shares() throws {
        let sampler = try ABSampler()
        var counts: [ABAssignment: Int] = [:]
        let total = 100_000
        let campaigns = (0..<10).map { _ in UUID() }
        for index in 0..<total {
            counts[sampler.assignment(campaignID: campaigns[index % campaigns.count], contactID: UUID()), default: 0] +=
                1
        }
        let share = { (a: ABAssignment) in Double(counts[a, default: 0]) * 100 / Double(total) }
        #expect(abs(share(.variantA) - 5) <= 0.5)
        #expect(abs(share(.variantB) - 5) <= 0.5)
        #expect(abs(share(.holdout) - 90) <= 0.5)
    }

    @Test("Sample percentage is a parameter")
    func customPercentage() throws {
        let sampler = try ABSampler(samplePercent: 10)
        var inA = 0
        var inB = 0
        let campaign = UUID()
        for _ in 0..<100_000 {
            switch sampler.assignment(campaignID: campaign, contactID: UUID()) {
            case .variantA: inA += 1
            case .variantB: inB += 1
            case .holdout: break
            }
        }
        #expect(abs(Double(inA) / 1000 - 10) <= 0.5)
        #expect(abs(Double(inB) / 1000 - 10) <= 0.5)
        #expect(throws: ABSamplerError.self) { try ABSampler(samplePercent: 51) }
        #expect(throws: ABSamplerError.self) { try ABSampler(samplePercent: -1) }
        #expect(throws: ABSamplerError.self) { try ABSampler(samplePercent: .nan) }
    }

    @Test("Deterministic and fixed across processes")
    func deterministic() throws {
        let campaign = UUID(uuidString: "3F4E5C6D-7A8B-9012-CDEF-1234567890AB")!
        let contact = UUID(uuidString: "A1B2C3D4-E5F6-7890-ABCD-EF1234567890")!
        let sampler = try ABSampler()
        let first = sampler.assignment(campaignID: campaign, contactID: contact)
        for _ in 0..<10 { #expect(sampler.assignment(campaignID: campaign, contactID: contact) == first) }
        // Pinned values: a change here would reshuffle every running campaign's samples.
        #expect(StableHash.hash(campaign, contact) == StableHash.hash(campaign, contact))
        #expect(StableHash.hash(campaign, contact) == ABSamplerTests.pinnedHash)
        #expect(ABSampler.bucket(campaignID: campaign, contactID: contact) == Int(ABSamplerTests.pinnedHash % 10_000))
        // Order matters: (campaign, contact) is not (contact, campaign).
        #expect(StableHash.hash(campaign, contact) != StableHash.hash(contact, campaign))
    }

    /// `StableHash.hash` of the two UUIDs above, cross-checked against an independent FNV-1a + SplitMix64 implementation.
    static let pinnedHash: UInt64 = 8_220_485_634_570_591_252

    @Test("Sequential contact ids spread evenly too")
    func sequentialIDs() throws {
        let sampler = try ABSampler()
        let campaign = UUID()
        var inA = 0
        for index in 0..<100_000 {
            var bytes = [UInt8](repeating: 0, count: 16)
            withUnsafeBytes(of: UInt64(index).bigEndian) { bytes.replaceSubrange(8..<16, with: $0) }
            let contact = UUID(
                uuid: (
                    bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                    bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]
                ))
            if sampler.assignment(campaignID: campaign, contactID: contact) == .variantA { inA += 1 }
        }
        #expect(abs(Double(inA) / 1000 - 5) <= 0.5)
    }
}
