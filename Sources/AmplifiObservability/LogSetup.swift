public import Logging

/// How a role's logs are written, from `AMPLIFI_LOG_FORMAT` (`text`, the default, or `json`) and
/// `AMPLIFI_LOG_LEVEL` (`trace` … `critical`, default `info`). Read once, at startup.
public struct LogSetup: Sendable, Equatable {
    /// The line format.
    public enum Format: String, Sendable, CaseIterable {
        case text, json
    }

    public var format: Format
    public var level: Logger.Level

    /// Settings from `environment`; an unknown value is an error that names the accepted ones.
    public init(environment: [String: String]) throws(LogSetupError) {
        let formatText = environment["AMPLIFI_LOG_FORMAT"].flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? "text"
        guard let format = Format(rawValue: formatText) else {
            throw LogSetupError(
                variable: "AMPLIFI_LOG_FORMAT", value: formatText, accepted: Format.allCases.map(\.rawValue))
        }
        let levelText = environment["AMPLIFI_LOG_LEVEL"].flatMap { $0.isEmpty ? nil : $0.lowercased() } ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw LogSetupError(
                variable: "AMPLIFI_LOG_LEVEL", value: levelText, accepted: Logger.Level.allCases.map(\.rawValue))
        }
        self.format = format
        self.level = level
    }

    /// A handler for `label` in this format and level; it adds the task's ``TaskLogMetadata``
    /// (an HTTP request's `request_id`) to every line.
    public func handler(label: String, sink: LogSink = .standardError) -> any LogHandler {
        switch format {
        case .json:
            var handler = JSONLogHandler(label: label, level: level, sink: sink)
            handler.metadataProvider = TaskLogMetadata.provider
            return handler
        case .text:
            var handler = StreamLogHandler.standardError(label: label, metadataProvider: TaskLogMetadata.provider)
            handler.logLevel = level
            return handler
        }
    }

    /// Makes every logger of the process use these settings. swift-log allows this once per process:
    /// call it first thing in a role's `run`, before any logger is made.
    public func bootstrap() {
        LoggingSystem.bootstrap { label in handler(label: label) }
    }
}

/// A log variable with a value the process does not know.
public struct LogSetupError: Error, CustomStringConvertible, Equatable {
    public var variable: String
    public var value: String
    public var accepted: [String]

    public var description: String {
        "\(variable)=\(value) is not known: use one of \(accepted.joined(separator: ", "))"
    }
}
