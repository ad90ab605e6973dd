import AmplifiCarriers
import Foundation
import PropertyBased
import Testing

@Suite struct RFC2822DateTests {
    @Test func parsesTwilioDates() {
        #expect(RFC2822Date.parse("Thu, 30 Jul 2015 20:12:31 +0000") == Date(timeIntervalSince1970: 1_438_287_151))
        #expect(RFC2822Date.parse("Thu, 24 Aug 2023 05:01:45 +0000") == Date(timeIntervalSince1970: 1_692_853_305))
        // Offsets, no weekday, GMT, no seconds.
        #expect(RFC2822Date.parse("30 Jul 2015 16:12:31 -0400") == Date(timeIntervalSince1970: 1_438_287_151))
        #expect(RFC2822Date.parse("Thu, 30 Jul 2015 20:12:31 GMT") == Date(timeIntervalSince1970: 1_438_287_151))
        #expect(RFC2822Date.parse("Thu, 30 Jul 2015 20:12 +0000") == Date(timeIntervalSince1970: 1_438_287_120))
        #expect(RFC2822Date.parse("Thu, 29 Feb 2024 00:00:00 +0000") == Date(timeIntervalSince1970: 1_709_164_800))
    }

    @Test func rejectsOtherText() {
        for text in [
            "", "2015-07-30T20:12:31Z", "Thu, 31 Jun 2015 20:12:31 +0000", "Thu, 29 Feb 2023 20:12:31 +0000",
            "Thu, 30 Jul 2015 24:00:00 +0000", "Xyz, 30 Jul 2015 20:12:31 +0000", "Thu, 30 Jul 2015 20:12:31",
            "Thu, 30 July 2015 20:12:31 +0000", "Thu, 30 Jul 15 20:12:31 +0000", "Thu, 30 Jul 2015 20:12:31 +00x0",
        ] {
            #expect(RFC2822Date.parse(text) == nil, "\(text)")
        }
    }

    @Test func formatsLikeTwilio() {
        #expect(RFC2822Date.format(Date(timeIntervalSince1970: 1_438_287_151)) == "Thu, 30 Jul 2015 20:12:31 +0000")
        #expect(RFC2822Date.format(Date(timeIntervalSince1970: 0)) == "Thu, 01 Jan 1970 00:00:00 +0000")
        #expect(RFC2822Date.format(Date(timeIntervalSince1970: -1)) == "Wed, 31 Dec 1969 23:59:59 +0000")
    }

    @Test func formatThenParseRoundTrips() async {
        await propertyCheck(count: 500, input: Gen<Int>.value(in: -2_000_000_000...8_000_000_000)) { seconds in
            let date = Date(timeIntervalSince1970: TimeInterval(seconds))
            let text = RFC2822Date.format(date)
            #expect(RFC2822Date.parse(text) == date, "\(text)")
        }
    }
}
