import AmplifiEngine
import AmplifiMessaging
import Foundation
import Testing

/// The campaign body parser on arbitrary bytes and on random JSON: it never traps, deep nesting
/// included, and every problem is `VALIDATION_FAILED` naming a field.
@Suite("Hostile input: campaign JSON fuzzing")
struct CampaignJSONFuzzTests {
    /// Checks the parser's contract on one body.
    static func check(_ json: [UInt8]) {
        let input = "\(String(decoding: json.prefix(300), as: UTF8.self).debugDescription) (\(json.count) bytes)"
        let (_, problems) = CampaignRequest.parseCollectingProblems(json: Data(json))
        for problem in problems {
            #expect(problem.code == .validationFailed, "\(input)")
            #expect(problem.field?.isEmpty == false, "\(input)")
            #expect(!problem.message.isEmpty, "\(input)")
        }
        do {
            _ = try CampaignRequest.parse(json: Data(json))
            #expect(problems.isEmpty, "\(input)")
        } catch {
            #expect(error.code == .validationFailed && !error.problems.isEmpty, "\(input)")
        }
    }

    @Test("Arbitrary bytes: a request or VALIDATION_FAILED problems")
    func arbitraryBytes() async {
        var soup = HostileBytes(
            seed: 0x4A53_4F4E,
            extra: [
                "{", "}", "[", "]", "\"", ":", ",", "\"name\":", "\"abTest\":", "\"faqReplies\":", "\"contactFilter\":",
                "\"segmentId\":", "null", "true", "1e400", "-0", "\"\\u0000\"", "\"\\ud800\"", "\\", "{\"question\":",
            ])
        for index in 0..<3_000 {
            if index % 32 == 0 { await Task.yield() }  // never hold a cooperative thread for seconds
            Self.check(soup.next())
        }
    }

    @Test("Random JSON objects with the campaign's keys, wrong types and deep nesting")
    func randomObjects() async {
        var soup = HostileBytes(seed: 0x4A53_4F32, extra: ["a", "{{firstName}}", "\u{0}", "é"])
        let keys = CampaignRequest.knownKeys.sorted() + ["", "unknown", "name\u{0}", "__proto__"]
        func value(depth: Int) -> String {
            switch soup.int(in: depth > 4 ? 0...5 : 0...8) {
            case 0: return "null"
            case 1: return soup.int(in: 0...1) == 0 ? "true" : "false"
            case 2: return ["0", "-1", "1e308", "1e400", "3.14", "-0"][soup.int(in: 0...5)]
            case 3: return "\"3f2b8c1e-5d4a-4c1b-9a7e-2f6d8e9b0c1a\""
            case 4, 5:
                let text = String(decoding: soup.next(pieces: 0...8), as: UTF8.self)
                return String(decoding: try! JSONEncoder().encode(text), as: UTF8.self)
            case 6:
                return "[" + (0..<soup.int(in: 0...3)).map { _ in value(depth: depth + 1) }.joined(separator: ",") + "]"
            case 7:
                // Deep nesting: within and past the parser's limit.
                let depth = [10, 63, 64, 65, 500, 5_000][soup.int(in: 0...5)]
                return String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            default: return object(depth: depth + 1)
            }
        }
        func object(depth: Int) -> String {
            let members = (0..<soup.int(in: 0...6)).map { _ in
                let key = keys[soup.int(in: 0...(keys.count - 1))]
                return String(decoding: try! JSONEncoder().encode(key), as: UTF8.self) + ":" + value(depth: depth)
            }
            return "{" + members.joined(separator: ",") + "}"
        }
        for index in 0..<2_000 {
            if index % 32 == 0 { await Task.yield() }
            Self.check(Array(object(depth: 0).utf8))
        }
    }

    @Test func deepNestingIsRefusedWithAProblemNotATrap() {
        let deep = String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)
        let (_, problems) = CampaignRequest.parseCollectingProblems(json: Data("{\"contactFilter\":\(deep)}".utf8))
        #expect(problems.map(\.field) == ["body"])
        #expect(problems.first?.message.contains("64 levels") == true)
        // Brackets inside strings do not count.
        let quoted = "{\"name\":\"\(String(repeating: "[", count: 1_000))\"}"
        #expect(CampaignRequest.parseCollectingProblems(json: Data(quoted.utf8)).problems.isEmpty)
        #expect(!JSONNesting.exceeds(64, in: Data("{\"a\":\"\\\"[[[\"}".utf8)))
    }
}
