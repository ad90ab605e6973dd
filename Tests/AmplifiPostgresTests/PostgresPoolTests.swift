import AmplifiConcurrency
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiTestSupport
import Foundation
import Testing

@Suite("The Postgres pool: bounded, off the cooperative pool, recovers from restarts")
struct PostgresPoolTests {
    @Test func poolNeverOpensMoreThanItsLimit() async throws {
        try await withTestDatabase(maxConnections: 3) { client, _ in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        try await client.query("SELECT \(index)::int, pg_sleep(0.01)")[0].decode(Int.self, at: 0)
                    }
                }
                var sum = 0
                for try await value in group { sum += value }
                #expect(sum == (0..<40).reduce(0, +))
            }
            #expect(client.pool.openConnections <= 3)
        }
    }

    /// Blocking libpq calls run on each connection's own thread: eight concurrent
    /// 1 s sleeps finish in about 1 s even though the cooperative pool has only as
    /// many threads as cores (2 here). Had they blocked cooperative threads, the
    /// run would take ≥ 4 s (the margin absorbs a loaded test machine).
    @Test func blockingCallsDoNotOccupyTheCooperativePool() async throws {
        try await withTestDatabase(maxConnections: 8) { client, _ in
            // Open all eight connections first so connection set-up is not timed.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 { group.addTask { try await client.query("SELECT pg_sleep(0.05)") } }
                try await group.waitForAll()
            }
            let started = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 { group.addTask { try await client.query("SELECT pg_sleep(1)") } }
                try await group.waitForAll()
            }
            let elapsed = ContinuousClock.now - started
            #expect(elapsed < .milliseconds(3_900), "8 parallel sleeps took \(elapsed)")
        }
    }

    @Test func poolRecoversAfterPostgresRestart() async throws {
        let server = try await LocalPostgresServer.start()
        defer { server.stop() }
        let client = PostgresClient(url: server.url(), maxConnections: 4)
        // Warm up several connections so some sit idle during the restart.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { try await client.query("SELECT pg_sleep(0.05)") } }
            try await group.waitForAll()
        }
        // A statement in flight when the server goes down fails with a clear error.
        let inFlight = Task { try await client.query("SELECT pg_sleep(20)") }
        // Restart only once the server is really running it (not on a timer).
        let observer = try await PostgresConnection.connect(url: server.url())
        try await LocalNetwork.waitUntil("the statement to be running") {
            let running = try? await observer.query(
                "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(20)' AND state = 'active'")
            return (try? running?[0].decode(Int.self, at: 0)) == 1
        }
        await observer.close()
        try await server.restart()
        let failure = await inFlight.result
        let error = #expect(throws: PostgresError.self) { try failure.get() }
        #expect(error?.code == .connectionLost)
        #expect(error?.message.contains("lost") == true)
        // The very next call works: idle connections cut by the restart are noticed
        // before use and replaced.
        #expect(try await client.query("SELECT 1")[0].decode(Int.self, at: 0) == 1)
        for _ in 0..<8 { #expect(try await client.query("SELECT 2")[0].decode(Int.self, at: 0) == 2) }
        await client.close()
    }
}
