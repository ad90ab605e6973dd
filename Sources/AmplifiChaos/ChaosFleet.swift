import AmplifiLocalServers
import Foundation

/// The `amplifi` processes of a chaos run — a receiver, schedulers and workers, each a real child
/// process of the chaos command — started, killed and restarted by name. Each role's output is
/// appended to `<logs>/<role>.log`, one header line per incarnation.
actor ChaosFleet {
    /// A role in the fleet.
    enum Role: Hashable, Sendable, CustomStringConvertible {
        case receiver
        case scheduler(Int)
        case worker(Int)

        var description: String {
            switch self {
            case .receiver: "receiver"
            case .scheduler(let index): "scheduler-\(index + 1)"
            case .worker(let index): "worker-\(index + 1)"
            }
        }
    }

    private let executable: URL
    private let environment: [String: String]
    private let logs: URL
    private let arguments: @Sendable (Role, Int) -> [String]
    private var running: [Role: Process] = [:]
    private var incarnations: [Role: Int] = [:]

    /// A fleet of `executable` processes with `environment`; `arguments(role, incarnation)` gives a
    /// role's command line.
    init(
        executable: URL, environment: [String: String], logs: URL,
        arguments: @escaping @Sendable (Role, Int) -> [String]
    ) {
        self.executable = executable
        self.environment = environment
        self.logs = logs
        self.arguments = arguments
    }

    /// Starts `role` (a new incarnation).
    func start(_ role: Role) throws {
        let incarnation = (incarnations[role] ?? 0) + 1
        incarnations[role] = incarnation
        running[role] = try ChildProcess.launch(
            executable: executable, arguments: arguments(role, incarnation), environment: environment,
            log: logs.appendingPathComponent("\(role).log"),
            header: "=== \(role) incarnation \(incarnation) at \(Date()) ===")
    }

    /// Sends `signal` to `role` and waits (polling, never blocking a thread) until it has exited,
    /// up to `timeout`; then kills it.
    func stop(_ role: Role, signal: Int32, timeout: Duration = .seconds(30)) async {
        guard let process = running.removeValue(forKey: role) else { return }
        await ChildProcess.end(process, signal: signal, timeout: timeout)
    }

    /// Sends `signal` to `role`, waits for it to exit, and starts it again.
    func restart(_ role: Role, signal: Int32) async throws {
        await stop(role, signal: signal)
        try start(role)
    }

    /// Starts every role in `roles` that is not running (a process that died on its own is restarted).
    func ensureRunning(_ roles: [Role]) throws -> [Role] {
        var restarted: [Role] = []
        for role in roles where running[role]?.isRunning != true {
            running[role] = nil
            try start(role)
            restarted.append(role)
        }
        return restarted
    }

    /// Stops every process gracefully (SIGTERM, then SIGKILL past `timeout`).
    func stopAll(timeout: Duration = .seconds(30)) async {
        let processes = running
        running = [:]
        await withTaskGroup(of: Void.self) { group in
            for process in processes.values {
                group.addTask { await ChildProcess.end(process, signal: SIGTERM, timeout: timeout) }
            }
        }
    }
}
