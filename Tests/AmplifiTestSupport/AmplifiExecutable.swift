import AmplifiConcurrency
import AmplifiLocalServers
public import Foundation

/// Runs the built `amplifi` binary as a separate process, as an operator would.
public enum AmplifiExecutable {
    /// What a finished run printed and returned.
    public struct Output: Sendable, CustomStringConvertible {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
    }

    /// The binary beside the test bundle (`swift build` puts both in the same folder),
    /// or `AMPLIFI_BINARY`.
    public static var path: String {
        if let configured = ProcessInfo.processInfo.environment["AMPLIFI_BINARY"] { return configured }
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("amplifi")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.path }
            directory = directory.deletingLastPathComponent()
        }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/amplifi").path
    }

    /// Starts `amplifi arguments…` with extra environment (`AMPLIFI_CARRIER=sim` unless set), in the
    /// repository root. Read both pipes
    /// (or use ``launch(_:environment:logTo:)``): once 64 KiB wait unread, the process blocks.
    public static func launch(_ arguments: [String], environment: [String: String] = [:]) throws -> (
        Process, Pipe, Pipe
    ) {
        let out = Pipe()
        let err = Pipe()
        let process = try start(arguments, environment: environment, output: out, errors: err)
        return (process, out, err)
    }

    /// Starts a long-running `amplifi arguments…` whose output nobody reads as it comes: stdout and
    /// stderr go to the file `log` (created or truncated), so the process never blocks on a full pipe.
    public static func launch(_ arguments: [String], environment: [String: String] = [:], logTo log: URL) throws
        -> Process
    {
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        return try start(arguments, environment: environment, output: handle, errors: handle)
    }

    private static func start(_ arguments: [String], environment: [String: String], output: Any, errors: Any) throws
        -> Process
    {
        let process = Process()
        let command = SignalMask.clearingCommand([path] + arguments)
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        // The in-process simulator unless a test names a carrier (the binary has no default carrier).
        process.environment = ["AMPLIFI_CARRIER": "sim"].merging(ProcessInfo.processInfo.environment) { $1 }
            .merging(environment) { $1 }
        process.currentDirectoryURL = TestDatabase.sqlDirectory.deletingLastPathComponent()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `amplifi arguments…` to completion and returns its output.
    public static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> Output {
        let (process, out, err) = try launch(arguments, environment: environment)
        async let stderr = runOnDedicatedThread { err.fileHandleForReading.readDataToEndOfFile() }
        let stdout = await runOnDedicatedThread { out.fileHandleForReading.readDataToEndOfFile() }
        let errors = await stderr
        await runOnDedicatedThread { process.waitUntilExit() }
        return Output(
            status: process.terminationStatus,
            stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: errors, as: UTF8.self))
    }
}
