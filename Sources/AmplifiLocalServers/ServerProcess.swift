public import Foundation
import Synchronization

/// A database server (postgres, redis-server) started by this process — the tests or
/// `amplifi demo` — whose life is tied to it: it is stopped at exit, and a watchdog
/// shell stops it too if the process dies without cleaning up (kill -9, Ctrl-C).
public final class ServerProcess: Sendable {
    /// Shown in errors ("postgres", "redis").
    public let name: String
    let command: [String]
    let runAsUser: String?
    let logFile: URL
    let pidFile: URL
    private let launcher = Mutex<Process?>(nil)

    /// Every server started by this process, stopped at exit.
    private static let running = Mutex<[ServerProcess]>([])
    private static let registerExitHook: Void = {
        atexit {
            for server in ServerProcess.running.withLock({ $0 }) { server.stop() }
        }
    }()

    /// `command` is the server and its arguments; when `runAsUser` is set and this
    /// process is root, the server runs as that user (initdb/postgres refuse root).
    public init(name: String, command: [String], runAsUser: String?, directory: URL) {
        self.name = name
        self.command = command
        self.runAsUser = geteuid() == 0 ? runAsUser : nil
        self.logFile = directory.appendingPathComponent("\(name).log")
        self.pidFile = directory.appendingPathComponent("\(name).pid")
    }

    /// Starts the server in the background (returns at once; wait for readiness separately).
    public func start() throws {
        _ = Self.registerExitHook
        try? FileManager.default.removeItem(at: pidFile)
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        if let runAsUser { chown(logFile.path, Self.uid(of: runAsUser), gid_t.max) }
        // The watchdog: start the server, record its pid, and stop it (SIGINT: fast,
        // clean shutdown for both postgres and redis) once the test process is gone.
        let script = """
            "$@" & child=$!
            echo $child > '\(pidFile.path)'
            trap 'kill -INT $child 2>/dev/null' TERM INT
            while kill -0 $child 2>/dev/null; do
              [ -d /proc/\(getpid()) ] || kill -INT $child 2>/dev/null
              sleep 0.3
            done
            wait $child
            """
        let process = Process()
        let server = SignalMask.clearingCommand(command)
        if let runAsUser {
            process.executableURL = URL(fileURLWithPath: "/usr/sbin/runuser")
            process.arguments = ["-u", runAsUser, "--", "/bin/bash", "-c", script, "watchdog"] + server
        } else {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", script, "watchdog"] + server
        }
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        launcher.withLock { $0 = process }
        Self.running.withLock { $0.append(self) }
    }

    /// The server's pid once it has started.
    public var serverPID: pid_t? {
        guard let text = try? String(contentsOf: pidFile, encoding: .utf8) else { return nil }
        return pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Sends `signal` to the server itself (SIGKILL to simulate a crash).
    public func signal(_ signal: Int32) {
        if let pid = serverPID { kill(pid, signal) }
    }

    /// Stops the server (SIGINT, then SIGKILL after 10 s) and waits until it is gone.
    public func stop() {
        let process = launcher.withLock { process -> Process? in
            defer { process = nil }
            return process
        }
        guard let process else { return }
        if let pid = serverPID {
            kill(pid, SIGINT)
            let deadline = Date().addingTimeInterval(10)
            while kill(pid, 0) == 0, Date() < deadline { usleep(20_000) }
            if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        }
        process.waitUntilExit()
        Self.running.withLock { $0.removeAll { $0 === self } }
    }

    /// The last lines of the server's log, for error messages.
    public func logTail(lines: Int = 20) -> String {
        let text = (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    static func uid(of user: String) -> uid_t {
        getpwnam(user)?.pointee.pw_uid ?? uid_t.max
    }
}

/// Child processes inherit the signal mask of the thread that spawns them, and the
/// test runner's threads block SIGINT and SIGTERM: a server started as is would
/// ignore the signals that stop it cleanly. `perl` (always present on Debian, via
/// perl-base) clears the mask and then execs the real command.
public enum SignalMask {
    /// `command`, wrapped so that it starts with no blocked signals.
    public static func clearingCommand(_ command: [String]) -> [String] {
        ["/usr/bin/perl", "-MPOSIX", "-e", "sigprocmask(SIG_SETMASK, POSIX::SigSet->new); exec {$ARGV[0]} @ARGV", "--"]
            + command
    }
}

/// A local server could not be started (missing binary, failed initdb, no answer).
public struct LocalServerError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Ports, readiness polling and directories for local servers.
public enum LocalNetwork {
    /// Ports this process has handed out: never handed out twice, so two servers started at once
    /// (parallel tests) cannot be given the same port, where the second would fail to bind and its
    /// caller would talk to the first without noticing.
    private static let handedOut = Mutex<Set<Int>>([])

    /// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it back), and that
    /// this process has not handed out before.
    public static func freePort() throws -> Int {
        for _ in 0..<64 {
            let port = try unusedPort()
            if handedOut.withLock({ $0.insert(port).inserted }) { return port }
        }
        throw LocalServerError("no free port that was not handed out already after 64 tries")
    }

    private static func unusedPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LocalServerError("socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw LocalServerError("could not bind a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port` right now.
    public static func isListening(port: Int) -> Bool {
        guard let fd = connectedSocket(port: port) else { return false }
        close(fd)
        return true
    }

    /// A TCP socket connected to 127.0.0.1:`port` (the caller closes it), or nil.
    static func connectedSocket(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Waits until `ready` returns true, polling every 50 ms, or throws after `timeout`.
    public static func waitUntil(
        _ what: String, timeout: TimeInterval = 30, _ ready: () async -> Bool
    ) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if await ready() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw LocalServerError("\(what) was not ready after \(Int(timeout)) s")
    }

    /// Creates `url` if needed and gives it to `user` (when running as root).
    public static func ownedDirectory(_ url: URL, owner user: String?) throws -> URL {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        if let user, geteuid() == 0 { chown(url.path, ServerProcess.uid(of: user), gid_t.max) }
        return url
    }

    /// Makes a fresh temporary directory that `user` (if any) can write to.
    public static func temporaryDirectory(prefix: String, owner user: String? = nil) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        if let user, geteuid() == 0 { chown(url.path, ServerProcess.uid(of: user), gid_t.max) }
        return url
    }
}

/// A value shared between tasks behind a lock.
public final class LockedBox<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    public init(_ value: Value) { storage = Mutex(value) }
    public func get() -> Value { storage.withLock { $0 } }
    public func set(_ value: Value) { storage.withLock { $0 = value } }
}
