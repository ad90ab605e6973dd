import AmplifiRedis
import Testing

@Suite struct RedisConfigurationTests {
    @Test func parsesHostPortDatabaseAndPassword() throws {
        let configuration = try RedisConfiguration(url: "redis://:s%40cret@cache.internal:6380/3")
        #expect(configuration.endpoint == .tcp(host: "cache.internal", port: 6380))
        #expect(configuration.password == "s@cret")
        #expect(configuration.username == nil)
        #expect(configuration.database == 3)
    }

    @Test func defaultsPortDatabaseAndAcceptsUsername() throws {
        let plain = try RedisConfiguration(url: "redis://localhost")
        #expect(plain.endpoint == .tcp(host: "localhost", port: 6379))
        #expect(plain.database == 0)
        #expect(plain.password == nil)
        let acl = try RedisConfiguration(url: "redis://worker:pw@10.0.0.5/")
        #expect(acl.username == "worker")
        #expect(acl.password == "pw")
        let ipv6 = try RedisConfiguration(url: "redis://[::1]:7000/1")
        #expect(ipv6.endpoint == .tcp(host: "::1", port: 7000))
    }

    @Test func parsesUnixSocket() throws {
        let configuration = try RedisConfiguration(url: "unix:///run/redis/redis.sock?db=4")
        #expect(configuration.endpoint == .unixSocket(path: "/run/redis/redis.sock"))
        #expect(configuration.database == 4)
    }

    @Test(arguments: [
        "http://localhost", "redis://host:notaport", "redis://host:70000", "redis://host/db", "unix://relative",
        "rediss://host", "redis://host?timeout=3",
    ])
    func rejectsInvalidURLs(url: String) {
        let error = #expect(throws: RedisError.self) { try RedisConfiguration(url: url) }
        #expect(error?.code == .invalidURL)
        #expect(error?.description.contains("AMPLIFI_REDIS_URL") == true)
    }

    @Test func descriptionHidesThePassword() throws {
        let configuration = try RedisConfiguration(url: "redis://:hunter2@localhost:6379/0")
        #expect(!configuration.description.contains("hunter2"))
        #expect(configuration.description == "redis://:***@localhost:6379/0")
    }
}
