/// A sample percentage outside 0...50.
public struct ABSamplerError: AmplifiError, Hashable {
    /// The rejected percentage.
    public let samplePercent: Double

    /// Creates the error for a rejected percentage.
    public init(samplePercent: Double) {
        self.samplePercent = samplePercent
    }

    /// Always `VALIDATION_FAILED`.
    public var code: AmplifiErrorCode { .validationFailed }
    /// The sample percentage setting.
    public var field: String? { "abSamplePercent" }
    /// What is wrong and how to fix it.
    public var message: String {
        "A/B sample percentage \(samplePercent) is out of range; use 0 to 50 (each of A and B gets that share)"
    }
}
