import AmplifiTestSupport
import Testing

/// Numeric flags are refused up front (exit status 64, the flag and its range named), never trapping
/// later: NaN, negative, zero where it makes no sense, or so large that a `Duration` would overflow.
@Suite("Duration and rate flags never trap")
struct FlagValidationTests {
    static let cases: [([String], String)] = [
        (["backfill-status", "--rate", "nan"], "--rate must be between 0.01 and 10000 requests per second, got nan"),
        (
            ["backfill-status", "--rate", "1e300"],
            "--rate must be between 0.01 and 10000 requests per second, got 1e+300"
        ),
        (["backfill-status", "--rate", "0"], "--rate must be between 0.01 and 10000 requests per second, got 0"),
        (
            ["backfill-status", "--older-than", "99999999d"],
            "--older-than must be between 0s and 315360000s, got 99999999d"
        ),
        (["backfill-status", "--older-than", "soon"], "--older-than \"soon\" is not a duration"),
        (
            ["carrier-sim", "--callback-delay-ms", "9223372036854775807"],
            "--callback-delay-ms must be between 0 and 60000 milliseconds, got 9223372036854775807"
        ),
        (["carrier-sim", "--latency-ms=-5"], "--latency-ms must be between 0 and 60000 milliseconds, got -5"),
        (["carrier-sim", "--duplicate-rate", "nan"], "--duplicate-rate must be between 0 and 1"),
        (
            ["campaign", "watch", "00000000-0000-0000-0000-000000000001", "--interval-ms", "0"],
            "--interval-ms must be between 50 and 3600000 milliseconds, got 0"
        ),
        (["contacts", "lookup", "--org", "x", "--concurrency", "0"], "--concurrency must be between 1 and 256"),
        (["bench", "send", "--workers", "1,x"], "--workers must be comma-separated counts like 1,2,4"),
        (
            ["backfill-status", "--rate", "1e-10"],
            "--rate must be between 0.01 and 10000 requests per second, got 1e-10"
        ),
        (["worker", "--lease-seconds", "0"], "--lease-seconds must be between 1 and 3600 seconds, got 0"),
        (["worker", "--lease-seconds", "99999999999999999999"], "--lease-seconds"),
        (["worker", "--burst-seconds", "nan"], "--burst-seconds must be between 0 and 60 seconds, got nan"),
        (
            ["worker", "--carrier-timeout-seconds", "1e300"],
            "--carrier-timeout-seconds must be between 1 and 120 seconds, got 1e+300"
        ),
        (
            ["worker", "--carrier-max-in-flight", "0"],
            "--carrier-max-in-flight must be between 1 and 10000 requests, got 0"
        ),
        (
            ["worker", "--account-concurrency=-1"],
            "--account-concurrency must be between 0 and 100000 requests, got -1"
        ),
        (
            ["worker", "--carrier-permit-wait-seconds", "nan"],
            "--carrier-permit-wait-seconds must be between 0.1 and 30 seconds, got nan"
        ),
        (
            ["carrier-sim", "--account-concurrency=-1"],
            "--account-concurrency must be between 0 and 100000 requests, got -1"
        ),
        (
            ["scheduler", "--claim-lease-seconds", "9223372036854775807"],
            "--claim-lease-seconds must be between 1 and 86400 seconds, got 9223372036854775807"
        ),
        (
            ["scheduler", "--tick-milliseconds", "5"],
            "--tick-milliseconds must be between 10 and 60000 milliseconds, got 5"
        ),
        (["campaign", "list", "--org", "x", "--limit", "0"], "--limit must be between 1 and 500 campaigns, got 0"),
    ]

    @Test(arguments: cases)
    func refusedWithTheFlagAndItsRange(_ arguments: [String], _ message: String) async throws {
        let output = try await AmplifiExecutable.run(arguments)
        #expect(output.status == 64, "\(output)")
        #expect(output.stderr.contains(message), "\(output)")
    }

    /// The carrier limits' environment variables are checked like their flags.
    static let environmentCases: [(String, String, String)] = [
        (
            "AMPLIFI_CARRIER_MAX_IN_FLIGHT", "lots",
            "AMPLIFI_CARRIER_MAX_IN_FLIGHT must be a whole number between 1 and 10000, got \"lots\""
        ),
        (
            "AMPLIFI_CARRIER_ACCOUNT_CONCURRENCY", "100001",
            "AMPLIFI_CARRIER_ACCOUNT_CONCURRENCY must be a whole number between 0 and 100000, got \"100001\""
        ),
    ]

    @Test(arguments: environmentCases)
    func refusedWithTheVariableAndItsRange(_ variable: String, _ value: String, _ message: String) async throws {
        let output = try await AmplifiExecutable.run(["worker"], environment: [variable: value])
        #expect(output.status == 64, "\(output)")
        #expect(output.stderr.contains(message), "\(output)")
    }
}
