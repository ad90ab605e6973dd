import AmplifiObservability
import Foundation
import Logging
import Synchronization
import Testing

/// Log settings from the environment, and the JSON line format.
@Suite struct LogSetupTests {
    @Test func defaultsAreTextAtInfo() throws {
        let setup = try LogSetup(environment: [:])
        #expect(setup.format == .text && setup.level == .info)
        let json = try LogSetup(environment: ["AMPLIFI_LOG_FORMAT": "JSON", "AMPLIFI_LOG_LEVEL": "debug"])
        #expect(json.format == .json && json.level == .debug)
    }

    @Test func unknownValuesNameWhatIsAccepted() {
        #expect(throws: LogSetupError.self) { try LogSetup(environment: ["AMPLIFI_LOG_FORMAT": "xml"]) }
        do {
            _ = try LogSetup(environment: ["AMPLIFI_LOG_LEVEL": "loud"])
            Issue.record("accepted an unknown level")
        } catch {
            #expect(
                error.description
                    == "AMPLIFI_LOG_LEVEL=loud is not known: use one of trace, debug, info, notice, warning, error, critical"
            )
        }
    }

    @Test func jsonLinesCarryTheFixedFieldsAndMetadata() throws {
        let lines = Mutex<[String]>([])
        let sink = LogSink { line in lines.withLock { $0.append(line) } }
        var logger = Logger(label: "amplifi.worker") { label in
            JSONLogHandler(label: label, level: .info, sink: sink)
        }
        logger[metadataKey: "role"] = "worker"
        logger.debug("not written")
        logger.info("chunk \"done\"\n", metadata: ["campaign_id": "c1", "count": "3", "level": "spoofed"])
        let written = lines.withLock { $0 }
        #expect(written.count == 1)
        let line = try #require(written.first)
        #expect(line.hasSuffix("}\n"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "info")
        #expect(object["label"] == "amplifi.worker")
        #expect(object["message"] == "chunk \"done\"\n")
        #expect(object["campaign_id"] == "c1" && object["count"] == "3" && object["role"] == "worker")
        #expect(object["timestamp"]?.hasSuffix("Z") == true && object["timestamp"]?.utf8.count == 24)
    }

    @Test func controlCharactersAreEscaped() throws {
        let line = JSONLogHandler.line(
            date: Date(timeIntervalSince1970: 0), level: .error, label: "x", message: "a\u{1}b\tc", metadata: [:])
        #expect(
            line
                == "{\"timestamp\":\"1970-01-01T00:00:00.000Z\",\"level\":\"error\",\"label\":\"x\",\"message\":\"a\\u0001b\\tc\"}\n"
        )
        _ = try JSONSerialization.jsonObject(with: Data(line.utf8))
    }

    @Test func linesLoggedInsideATaskCarryItsMetadata() async throws {
        let lines = Mutex<[String]>([])
        let sink = LogSink { line in lines.withLock { $0.append(line) } }
        let setup = try LogSetup(environment: ["AMPLIFI_LOG_FORMAT": "json"])
        // A logger made long before the request, as an engine store's is.
        let logger = Logger(label: "amplifi.engine") { setup.handler(label: $0, sink: sink) }
        await TaskLogMetadata.withValue(["request_id": "01JREQUEST"]) {
            logger.info("inside")
            await withTaskGroup(of: Void.self) { group in
                group.addTask { logger.info("in a child task") }
            }
        }
        logger.info("outside")
        let objects = try lines.withLock { $0 }.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])
        }
        #expect(objects.map { $0["request_id"] } == ["01JREQUEST", "01JREQUEST", nil])
    }
}
