import AmplifiBench
import AmplifiEngine
import AmplifiTestSupport
import Foundation
import Testing

/// Runs ``AudienceBenchmark`` only when asked: `AMPLIFI_AUDIENCE_BENCH=100000,1000000 swift test --filter AudienceBenchmarkTests`
/// (optionally `AMPLIFI_AUDIENCE_BENCH_AB=1`, `AMPLIFI_AUDIENCE_BENCH_PAGE=1000`). Not part of the normal suite.
@Suite("Audience benchmark (opt-in)")
struct AudienceBenchmarkTests {
    static let sizes: [Int] = (ProcessInfo.processInfo.environment["AMPLIFI_AUDIENCE_BENCH"] ?? "")
        .split(separator: ",").compactMap { Int($0) }

    @Test(.enabled(if: !sizes.isEmpty)) func benchmark() async throws {
        let environment = ProcessInfo.processInfo.environment
        let abTest = environment["AMPLIFI_AUDIENCE_BENCH_AB"] == "1"
        let page = environment["AMPLIFI_AUDIENCE_BENCH_PAGE"].flatMap { Int($0) } ?? 1000
        for size in Self.sizes {
            try await withTestDatabase { client, _ in
                let result = try await AudienceBenchmark.run(
                    client: client, contacts: size, chunkSize: page, abTest: abTest)
                #expect(result.plannerRows == size && result.rawRows == size)
            }
        }
    }
}
