public import Logging

/// Log metadata that follows a unit of work across every logger it reaches, engine code included:
/// an HTTP request's `request_id` is set once (``withValue(_:operation:)``) and every line logged
/// inside that task and its child tasks carries it, through the ``provider`` that ``LogSetup``
/// installs for the whole process.
public enum TaskLogMetadata {
    @TaskLocal static var current: Logger.Metadata = [:]

    /// The metadata of the running task (empty outside any ``withValue(_:operation:)``).
    public static var value: Logger.Metadata { current }

    /// Runs `operation` with `metadata` added to what the task already carries.
    public static func withValue<Result: Sendable>(
        _ metadata: Logger.Metadata, operation: () async throws -> Result
    ) async rethrows -> Result {
        try await $current.withValue(current.merging(metadata) { $1 }, operation: operation)
    }

    /// Reads the running task's metadata for every log handler of the process.
    public static let provider = Logger.MetadataProvider { current }
}
