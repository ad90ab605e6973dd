public import Foundation

/// Deterministic A/B sample assignment from (campaign id, contact id).
///
/// The same pair always gets the same answer, on every worker and every retry. With the default
/// 5%, 5% of contacts get A, 5% get B and 90% are held for the winner.
public struct ABSampler: Sendable, Hashable {
    /// Buckets the hash is reduced to (basis points: 10,000 = 100%).
    public static let bucketCount: UInt64 = 10_000

    /// Share of contacts in each sample, in basis points (500 = 5%).
    public let sampleBasisPoints: Int

    /// A sampler putting `samplePercent` percent of contacts in each of A and B (0...50, 0.01 steps).
    public init(samplePercent: Double = 5) throws(ABSamplerError) {
        guard samplePercent.isFinite, samplePercent >= 0, samplePercent <= 50 else {
            throw ABSamplerError(samplePercent: samplePercent)
        }
        self.sampleBasisPoints = Int((samplePercent * 100).rounded())
    }

    /// The assignment of one contact in one campaign.
    public func assignment(campaignID: UUID, contactID: UUID) -> ABAssignment {
        let bucket = ABSampler.bucket(campaignID: campaignID, contactID: contactID)
        if bucket < sampleBasisPoints { return .variantA }
        if bucket < 2 * sampleBasisPoints { return .variantB }
        return .holdout
    }

    /// The stable bucket (0..<10,000) of a (campaign, contact) pair.
    public static func bucket(campaignID: UUID, contactID: UUID) -> Int {
        Int(StableHash.hash(campaignID, contactID) % bucketCount)
    }
}
