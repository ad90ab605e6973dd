import AmplifiMessaging
import Testing

@Suite("Segments: reference cases")
struct MessageSegmenterTests {
    private func count(_ text: String) -> SegmentCount { MessageSegmenter.count(text) }

    @Test("GSM-7 single and multipart limits")
    func gsmLimits() {
        #expect(count(String(repeating: "a", count: 160)) == SegmentCount(encoding: .gsm7, units: 160, segments: 1))
        #expect(count(String(repeating: "a", count: 161)).segments == 2)
        #expect(count(String(repeating: "a", count: 306)).segments == 2)
        #expect(count(String(repeating: "a", count: 307)).segments == 3)
        #expect(count(String(repeating: "a", count: 459)).segments == 3)
        #expect(count(String(repeating: "a", count: 460)).segments == 4)
        #expect(count("").segments == 0)
    }

    @Test("UCS-2 single and multipart limits")
    func ucs2Limits() {
        #expect(count(String(repeating: "中", count: 70)) == SegmentCount(encoding: .ucs2, units: 70, segments: 1))
        #expect(count(String(repeating: "中", count: 71)).segments == 2)
        #expect(count(String(repeating: "中", count: 134)).segments == 2)
        #expect(count(String(repeating: "中", count: 135)).segments == 3)
        // One non-GSM character switches the whole message to UCS-2.
        #expect(count(String(repeating: "a", count: 69) + "ç") == SegmentCount(encoding: .ucs2, units: 70, segments: 1))
        #expect(count(String(repeating: "a", count: 70) + "ç").segments == 2)
    }

    @Test("Extension characters cost two septets")
    func extensionCharacters() {
        #expect(count("€") == SegmentCount(encoding: .gsm7, units: 2, segments: 1))
        #expect(count("^{}\\[~]|€\u{0C}").units == 20)
        #expect(count(String(repeating: "€", count: 80)).segments == 1)
        #expect(count(String(repeating: "€", count: 81)).segments == 2)
        #expect(count(String(repeating: "a", count: 159) + "€").segments == 2)
    }

    @Test("Characters outside the BMP cost two UTF-16 units")
    func nonBMP() {
        #expect(count(String(repeating: "😀", count: 35)) == SegmentCount(encoding: .ucs2, units: 70, segments: 1))
        #expect(count(String(repeating: "😀", count: 36)).segments == 2)
        // Inside UCS-2, GSM extension characters cost one unit.
        #expect(count("€😀").units == 3)
    }

    @Test("An escape pair is never cut")
    func escapeNotCut() {
        let text = String(repeating: "a", count: 152) + "€" + String(repeating: "b", count: 10)
        let parts = MessageSegmenter.split(text)
        #expect(parts.count == 2)
        #expect(parts[0] == Substring(String(repeating: "a", count: 152)))
        #expect(parts[1].hasPrefix("€"))
    }

    @Test("A surrogate pair is never cut")
    func surrogateNotCut() {
        let text = String(repeating: "a", count: 66) + "😀" + String(repeating: "a", count: 10)
        let parts = MessageSegmenter.split(text)
        #expect(parts.count == 2)
        #expect(parts[0].utf16.count == 66)
        #expect(parts[1].hasPrefix("😀"))
    }

    @Test("A flag and a ZWJ sequence stay whole")
    func clustersNotCut() {
        let flag = String(repeating: "中", count: 65) + "🇺🇸" + String(repeating: "中", count: 5)
        let flagParts = MessageSegmenter.split(flag)
        #expect(flagParts.count == 2)
        #expect(flagParts[0].utf16.count == 65)
        #expect(flagParts[1].hasPrefix("🇺🇸"))

        let family = "👨‍👩‍👧‍👦"  // 11 UTF-16 units
        let text = String(repeating: "中", count: 60) + family + String(repeating: "中", count: 10)
        let parts = MessageSegmenter.split(text)
        #expect(parts.count == 2)
        #expect(parts[0].utf16.count == 60)
        #expect(parts[1].hasPrefix(family))
    }

    @Test("CR LF stays whole in ASCII text")
    func crlfNotCut() {
        let text = String(repeating: "a", count: 152) + "\r\n" + String(repeating: "b", count: 10)
        let parts = MessageSegmenter.split(text)
        #expect(parts.count == 2)
        #expect(parts[0] == Substring(String(repeating: "a", count: 152)))
        #expect(parts[1].hasPrefix("\r\n"))
        #expect(parts.joined() == text)
    }

    @Test("A cluster longer than a part is split between scalars, and still round-trips")
    func oversizedCluster() {
        let zalgo = "a" + String(repeating: "\u{0301}", count: 150)
        let parts = MessageSegmenter.split(zalgo)
        #expect(parts.count == 3)
        #expect(parts.allSatisfy { $0.utf16.count <= 67 })
        #expect(parts.joined() == zalgo)
        #expect(MessageSegmenter.count(zalgo).segments == 3)
    }
}
