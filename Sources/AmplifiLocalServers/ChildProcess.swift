public import Foundation

/// Starts and stops child `amplifi` processes for the tools that run a fleet of them (`amplifi chaos`,
/// `amplifi bench`): output appended to a log file, the environment added to this process's, and a
/// stop that signals, waits without blocking a thread, and kills past a deadline; and runs a
/// one-shot command to its end (`initdb`, a check script).
public enum ChildProcess {
    /// Starts `executable arguments…` with `environment` added to this process's, its output
    /// appended to `log` after a `header` line.
    public static func launch(
        executable: URL, arguments: [String], environment: [String: String], log: URL, header: String
    ) throws -> Process {
        if !FileManager.default.fileExists(atPath: log.path) {
            FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        handle.write(Data((header + "\n").utf8))
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs `executable arguments…` to its end (blocking: for setup steps and tests, never on a
    /// server's path) and returns its exit status and output: standard output, and standard error
    /// too when `includingErrors`. `environment` replaces this process's when given.
    public static func run(
        executable: URL, arguments: [String], environment: [String: String]? = nil, includingErrors: Bool = true
    ) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        if includingErrors { process.standardError = pipe }
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Signals `process` and waits (polling) for it to exit, killing it past `timeout`.
    public static func end(_ process: Process, signal: Int32, timeout: Duration) async {
        if process.isRunning { kill(process.processIdentifier, signal) }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
        }
    }
}
