import ArgumentParser

/// `--database-connections` and `--redis-connections` of the long-running roles: how many
/// connections the process may open to each (`AMPLIFI_DATABASE_CONNECTIONS`,
/// `AMPLIFI_REDIS_CONNECTIONS`), so the fleet's Postgres connection budget is set, not guessed.
/// Each role has its own default (the README's "Connection budget" lists them).
struct PoolSizeOptions: ParsableArguments {
    @Option(
        help: "Postgres connections this process may open. Default: $AMPLIFI_DATABASE_CONNECTIONS, else the role's.")
    var databaseConnections: Int?

    @Option(help: "Redis connections this process may open. Default: $AMPLIFI_REDIS_CONNECTIONS, else the role's.")
    var redisConnections: Int?

    /// The Postgres pool size: the flag, the environment, or `roleDefault`; at least `minimum` (a role
    /// that holds an advisory lock on one connection while it works on another needs two or more).
    func postgres(roleDefault: Int, minimum: Int = 2) throws -> Int {
        try size(
            databaseConnections, variable: "AMPLIFI_DATABASE_CONNECTIONS", flag: "database-connections",
            roleDefault: roleDefault, minimum: minimum)
    }

    /// The Redis pool size: the flag, the environment, or `roleDefault`.
    func redis(roleDefault: Int) throws -> Int {
        try size(
            redisConnections, variable: "AMPLIFI_REDIS_CONNECTIONS", flag: "redis-connections",
            roleDefault: roleDefault, minimum: 1)
    }

    private func size(_ flagged: Int?, variable: String, flag: String, roleDefault: Int, minimum: Int) throws -> Int {
        if let flagged {
            return try FlagValidation.count(flagged, flag: flag, in: minimum...1_000, unit: "connections")
        }
        guard let text = Environment.value(variable), !text.isEmpty else { return max(roleDefault, minimum) }
        guard let value = Int(text), (minimum...1_000).contains(value) else {
            throw ValidationError("\(variable)=\(text): give a number of connections between \(minimum) and 1000")
        }
        return value
    }
}
