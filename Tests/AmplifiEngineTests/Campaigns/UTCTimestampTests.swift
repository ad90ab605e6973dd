import AmplifiEngine
import Foundation
import Testing

@Suite("UTC timestamps")
struct UTCTimestampTests {
    @Test func acceptsUTCForms() throws {
        let expected = Date(timeIntervalSince1970: 1_777_644_000)  // 2026-05-01T14:00:00Z
        for text in [
            "2026-05-01T14:00:00Z", "2026-05-01T14:00:00+00:00", "2026-05-01t14:00:00z", "2026-05-01T14:00:00.000Z",
        ] {
            #expect(try UTCTimestamp.parse(text).get() == expected, "\(text)")
        }
        #expect(try UTCTimestamp.parse("2026-05-01T14:00:00.250Z").get() == expected.addingTimeInterval(0.25))
        #expect(UTCTimestamp.format(expected) == "2026-05-01T14:00:00Z")
        #expect(UTCTimestamp.format(expected.addingTimeInterval(0.25)) == "2026-05-01T14:00:00.250Z")
    }

    @Test func rejectsOffsetsAndNonsense() {
        #expect(UTCTimestamp.parse("2026-05-01T14:00:00+02:00") == .failure(.notUTC))
        #expect(UTCTimestamp.parse("2026-05-01T14:00:00") == .failure(.notUTC))
        for text in [
            "tomorrow", "2026-04-31T10:00:00Z", "2026-13-01T10:00:00Z", "2026-05-01 14:00Z", "2026-05-01T25:00:00Z", "",
        ] {
            #expect(UTCTimestamp.parse(text) == .failure(.malformed), "\(text)")
        }
    }
}
