import AmplifiObservability
import Testing

/// The process series are present and plausible in a render.
@Suite struct RoleMetricsTests {
    @Test func processSeriesAreRendered() throws {
        let metrics = RoleMetrics()
        let text = metrics.render()
        for name in [
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
            "process_start_time_seconds",
        ] {
            #expect(text.contains("# TYPE \(name) gauge"), "\(name)")
        }
        let rss = try #require(
            text.split(separator: "\n").first { $0.hasPrefix("process_resident_memory_bytes ") }
                .flatMap { Double($0.split(separator: " ")[1]) })
        #expect(rss > 1_000_000)
    }
}

/// Endpoints in startup lines never show a secret.
@Suite struct RedactedURLTests {
    @Test func passwordsAndQueriesAreDropped() {
        #expect(
            RedactedURL.describe("postgres://amplifi:s3cret@db.internal:5432/amplifi?sslmode=require&password=x")
                == "postgres://amplifi@db.internal:5432/amplifi")
        #expect(RedactedURL.describe("redis://:token@cache:6379/0") == "redis://cache:6379/0")
        #expect(RedactedURL.describe("https://api.twilio.com") == "https://api.twilio.com")
        #expect(RedactedURL.describe("not a url") == "<unparseable>")
    }
}
