import AmplifiHTTP
import AmplifiObservability
import AmplifiPostgres
import AmplifiRedis
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle

/// `--admin-host` and `--admin-port` of the long-running roles: where `/metrics`, `/livez` and
/// `/readyz` are served. No port (and no `AMPLIFI_ADMIN_PORT`): no admin server.
struct AdminOptions: ParsableArguments {
    @Option(help: "Port of the admin server (/metrics, /livez, /readyz). Default: $AMPLIFI_ADMIN_PORT; unset: none.")
    var adminPort: Int?

    @Option(
        help: "Address the admin server binds. Default: $AMPLIFI_ADMIN_HOST, else 127.0.0.1 (use 0.0.0.0 in a pod).")
    var adminHost: String?

    func validate() throws {
        if let port = try resolvedPort() {
            _ = try FlagValidation.count(port, flag: "admin-port", in: 0...65_535, unit: "")
        }
    }

    /// The port, from the flag or the environment; nil when neither is set.
    func resolvedPort() throws -> Int? {
        if let adminPort { return adminPort }
        guard let text = Environment.value("AMPLIFI_ADMIN_PORT"), !text.isEmpty else { return nil }
        guard let port = Int(text) else { throw ValidationError("AMPLIFI_ADMIN_PORT=\(text) is not a port number") }
        return port
    }

    /// The address to bind.
    var resolvedHost: String {
        adminHost ?? Environment.value("AMPLIFI_ADMIN_HOST").flatMap { $0.isEmpty ? nil : $0 } ?? "127.0.0.1"
    }
}

/// What every long-running role sets up before its work: the process metrics registry that
/// swift-metrics reports into, the startup line, and the admin server (the log format and level
/// are set for every command by `Amplifi.main`).
struct RoleRuntime {
    let role: String
    let logger: Logger
    let metrics: RoleMetrics
    let admin: AdminOptions

    /// Bootstraps metrics for `role` (once per process; logging was set up by `Amplifi.main` for
    /// every command) and returns the role's logger.
    static func start(role: String, admin: AdminOptions, metrics: RoleMetrics = RoleMetrics()) throws -> RoleRuntime {
        metrics.bootstrap()
        return RoleRuntime(role: role, logger: Logger(label: "amplifi.\(role)"), metrics: metrics, admin: admin)
    }

    /// Logs the startup line: role, version and `details` (carrier, loops, redacted endpoints).
    func logStartup(_ details: Logger.Metadata) {
        var metadata: Logger.Metadata = ["role": "\(role)", "version": "\(AmplifiVersion.description)"]
        metadata.merge(details) { $1 }
        logger.info("starting", metadata: metadata)
    }

    /// The admin server's services (none without an admin port), ready when every `checks` answers.
    func adminServices(checks: [DependencyCheck]) throws -> [any Service] {
        guard let port = try admin.resolvedPort() else { return [] }
        let host = admin.resolvedHost
        let logger = logger
        let metrics = metrics
        return AdminServer(
            host: host, port: port, readiness: ReadinessProbe(checks: checks), serverName: "amplifi-\(role)",
            logger: logger, renderMetrics: { metrics.render() }
        ) { bound in
            logger.info("admin server listening", metadata: ["address": "http://\(host):\(bound)"])
        }.services()
    }
}
