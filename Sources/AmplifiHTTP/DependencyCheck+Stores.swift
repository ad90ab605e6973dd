public import AmplifiPostgres
public import AmplifiRedis

extension DependencyCheck {
    /// Postgres (`SELECT 1`) and Redis (`PING`): what every role that serves or sends needs.
    public static func standard(client: PostgresClient, redis: RedisClient) -> [DependencyCheck] {
        [postgres(client), DependencyCheck(name: "redis") { try await redis.send(["PING"]) }]
    }

    /// Postgres alone (`SELECT 1`), for a role that uses no Redis.
    public static func postgres(_ client: PostgresClient) -> DependencyCheck {
        DependencyCheck(name: "postgres") { try await client.query("SELECT 1") }
    }
}
