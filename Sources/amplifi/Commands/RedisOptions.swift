import AmplifiEngine
import ArgumentParser

/// `--redis-url`, defaulting to `AMPLIFI_REDIS_URL`.
struct RedisOptions: ParsableArguments {
    @Option(
        name: .customLong("redis-url"),
        help: ArgumentHelp("Redis URL (default: $AMPLIFI_REDIS_URL).", valueName: "url"))
    var redisURL: String?

    /// The URL to use, or a usage error that says how to provide one.
    func resolvedURL() throws -> String {
        if let redisURL { return redisURL }
        if let url = Environment.value("AMPLIFI_REDIS_URL"), !url.isEmpty { return url }
        throw ValidationError(
            "no Redis configured: set AMPLIFI_REDIS_URL (e.g. redis://127.0.0.1:6379/0) or pass --redis-url")
    }

    /// The Redis key names: under `$AMPLIFI_REDIS_PREFIX` when set, else the engine's default prefix.
    var keys: QueueKeys {
        guard let prefix = Environment.value("AMPLIFI_REDIS_PREFIX"), !prefix.isEmpty else { return QueueKeys() }
        return QueueKeys(prefix: prefix)
    }
}
