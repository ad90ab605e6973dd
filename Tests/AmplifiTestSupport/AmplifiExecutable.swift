public import AmplifiLocalServers
import AmplifiConcurrency
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

    /// Starts `amplifi arguments…` with extra environment, in the repository root.
    public static func launch(_ arguments: [String], environment: [String: String] = [:]) throws -> (Process, Pipe, Pipe) {
        let process = prepare(arguments, environment: environment)
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (process, out, err)
    }

    /// Starts `amplifi arguments…` with its output (stdout and stderr) appended to `logFile`, so a
    /// long-running process never blocks on a full pipe and its log is there to read after a failure.
    public static func launch(_ arguments: [String], environment: [String: String] = [:], logFile: URL) throws -> Process {
        let process = prepare(arguments, environment: environment)
        if !FileManager.default.fileExists(atPath: logFile.path) {
            FileManager.default.createFile(atPath: logFile.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: logFile)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// A process for `amplifi arguments…` (signals unblocked) in the repository root, not started.
    static func prepare(_ arguments: [String], environment: [String: String]) -> Process {
        let process = Process()
        let command = SignalMask.clearingCommand([path] + arguments)
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = TestDatabase.sqlDirectory.deletingLastPathComponent()
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
