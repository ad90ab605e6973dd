import AmplifiAPI
import AmplifiCarriers
import AmplifiEngine
import AmplifiLocalServers
import AmplifiPostgres
import AmplifiRedis
import AmplifiTestSupport
import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOHTTP1
import Testing

/// `amplifi api` as clients meet it: a real process over HTTP with real Postgres and Redis, keys
/// made with `amplifi api-key create`, every answer checked against the error and success bodies.
@Suite("The HTTP API: its routes in memory, and the real executable where it must be")
struct APIServerTests {
    /// An API with two organizations, each with a default sender number: a running `amplifi api`
    /// process (``withAPI``), or its router in memory (``withRoutes``, HummingbirdTesting's `.router`).
    struct Fixture {
        /// How requests reach the API.
        enum Transport {
            /// The real executable, over HTTP on a local port.
            case live(port: Int, process: Process)
            /// The same router in this process, no socket.
            case memory(any TestClientProtocol)
        }

        let client: PostgresClient
        let environment: [String: String]
        let transport: Transport
        let orgA: UUID
        let orgB: UUID
        /// The live process's port (a test that needs one runs ``withAPI``).
        var port: Int {
            guard case .live(let port, _) = transport else { preconditionFailure("in-memory routes have no port") }
            return port
        }
        /// The Redis the API uses.
        var redisURL: String { environment["AMPLIFI_REDIS_URL"] ?? "" }
        /// The API's output (standard output and error), when the fixture started it.
        var logFile: URL? = nil
        /// Every answer the tests got, to hold against the OpenAPI document.
        let answers = Answers()

        /// An API key of `org` with `scopes`, created through the CLI.
        func key(_ org: UUID, _ scopes: [String]) async throws -> String {
            let output = try await AmplifiExecutable.run(
                ["api-key", "create", "--org", org.uuidString] + scopes.flatMap { ["--scope", $0] },
                environment: environment)
            #expect(output.status == 0, "\(output)")
            return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// `method path` with `key` and `body`; the status and the decoded JSON body.
        func call(
            _ method: HTTPMethod, _ path: String, key: String?, body: String? = nil, idempotencyKey: String? = nil
        ) async throws -> (Int, [String: Any], HTTPHeaders) {
            var headers = HTTPHeaders()
            if let key { headers.add(name: "Authorization", value: "Bearer \(key)") }
            if let idempotencyKey { headers.add(name: "Idempotency-Key", value: idempotencyKey) }
            if body != nil { headers.add(name: "Content-Type", value: "application/json") }
            let (status, data, answered) = try await send(method, path, headers: headers, body: body)
            let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
            await answers.record(
                method: method.rawValue.lowercased(), path: path, status: status,
                success: json["success"] as? Bool, hasData: json["data"] != nil,
                errorFields: (json["error"] as? [String: Any]).map { Set($0.keys) })
            return (status, json, answered)
        }

        /// One request through the transport: status, body and headers.
        private func send(
            _ method: HTTPMethod, _ path: String, headers: HTTPHeaders, body: String?
        ) async throws -> (Int, Data, HTTPHeaders) {
            switch transport {
            case .live(let port, _):
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
                request.method = method
                request.headers = headers
                if let body { request.body = .bytes(ByteBuffer(string: body)) }
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(15))
                let data = try await response.body.collect(upTo: 1 << 20)
                return (Int(response.status.code), Data(data.readableBytesView), response.headers)
            case .memory(let client):
                var fields = HTTPFields()
                for header in headers {
                    fields.append(HTTPField(name: HTTPField.Name(header.name)!, value: header.value))
                }
                return try await client.execute(
                    uri: path, method: HTTPRequest.Method(method.rawValue)!, headers: fields,
                    body: body.map { ByteBuffer(string: $0) }
                ) { response in
                    var answered = HTTPHeaders()
                    for field in response.headers { answered.add(name: field.name.rawName, value: field.value) }
                    return (Int(response.status.code), Data(response.body.readableBytesView), answered)
                }
            }
        }

        /// Every recorded answer is one the OpenAPI document (fetched from the server) lists, with the
        /// documented body shape.
        func expectAnswersMatchTheDocument() async throws {
            let (_, body, _) = try await send(.GET, "/openapi.json", headers: HTTPHeaders(), body: nil)
            let document = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
            #expect(document["openapi"] as? String == "3.1.0")
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            for answer in await answers.all {
                let template = Self.template(answer.path)
                let operation = paths[template]?[answer.method] as? [String: Any]
                let responses = operation?["responses"] as? [String: Any] ?? [:]
                #expect(
                    responses["\(answer.status)"] != nil,
                    "\(answer.method.uppercased()) \(template) answered \(answer.status), not in the document")
                if answer.status >= 400 {
                    #expect(
                        answer.success == false
                            && answer.errorFields?.isSuperset(of: ["code", "message", "request_id"]) == true)
                } else if template.hasPrefix("/api/"), !template.hasSuffix("/events"), !template.hasSuffix("/reply") {
                    // (A stream has no envelope; a reply answers in its endpoint's own shape.)
                    #expect(answer.success == true && answer.hasData, "\(answer)")
                }
            }
        }

        /// A concrete path as the document writes it: ids as `{id}`, no query.
        static func template(_ path: String) -> String {
            let bare = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
            return "/"
                + bare.split(separator: "/").enumerated().map { index, part in
                    if UUID(uuidString: String(part)) != nil { return "{id}" }
                    // A conversation is named by the contact's number (any format), or in v1 by its handle.
                    if index == 2, bare.hasPrefix("/api/conversations/") { return "{phoneNumber}" }
                    return index == 2 && bare.hasPrefix("/v1/conversations/") ? "{id}" : String(part)
                }
                .joined(separator: "/")
        }

        /// The two organizations, each with a default number.
        static func organizations(_ client: PostgresClient) async throws -> (UUID, UUID) {
            var orgs: [UUID] = []
            for (name, number) in [("api-a", "+19195550101"), ("api-b", "+19195550102")] {
                let org = try await client.query("INSERT INTO organizations (name) VALUES (\(name)) RETURNING id")[0]
                    .decode(UUID.self, at: 0)
                try await client.query(
                    "INSERT INTO phone_numbers (org_id, e164, is_default, mps) VALUES (\(org), \(number), true, 10)")
                orgs.append(org)
            }
            return (orgs[0], orgs[1])
        }

        static func start(
            _ client: PostgresClient, url: String, redis: LocalRedisServer, arguments: [String] = [],
            environment extra: [String: String] = [:]
        ) async throws -> Fixture {
            let (orgA, orgB) = try await organizations(client)
            let environment = ["AMPLIFI_DATABASE_URL": url, "AMPLIFI_REDIS_URL": redis.url].merging(extra) { $1 }
            let port = try LocalNetwork.freePort()
            let logs = try LocalNetwork.temporaryDirectory(prefix: "api")
            let process = try AmplifiExecutable.launch(
                ["api", "--port", "\(port)"] + arguments, environment: environment,
                logTo: logs.appendingPathComponent("api.log"))
            // Its own announcement, not just an open port: the port is this process's, not another test's.
            let log = logs.appendingPathComponent("api.log")
            try await LocalNetwork.waitUntil("the API", timeout: 30) {
                ((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains(
                    "api listening on http://127.0.0.1:\(port)")
            }
            return Fixture(
                client: client, environment: environment, transport: .live(port: port, process: process), orgA: orgA,
                orgB: orgB, logFile: logs.appendingPathComponent("api.log"))
        }
    }

    /// Runs `body` with a fresh database and Redis and a running API (stopped afterwards).
    static func withAPI(
        arguments: [String] = [], environment: [String: String] = [:],
        _ body: (PostgresClient, Fixture) async throws -> Void
    ) async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 2) { client, url in
            let api = try await Fixture.start(
                client, url: url, redis: redis, arguments: arguments, environment: environment)
            defer { if case .live(_, let process) = api.transport { process.terminate() } }
            try await body(client, api)
        }
    }

    /// Runs `body` against the API's router in memory (HummingbirdTesting's `.router`: the same
    /// routes, middleware and stores as `amplifi api`, no process and no socket) over a fresh
    /// database and Redis; `keyRate` is the per-key rate (`--key-rate`).
    static func withRoutes(
        keyRate: Int = 50, _ body: @escaping @Sendable (PostgresClient, Fixture) async throws -> Void
    ) async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 2) { client, url in
            let (orgA, orgB) = try await Fixture.organizations(client)
            let database = PostgresClient(url: url, maxConnections: 4)
            let redisClient = try RedisClient(url: redis.url, maxConnections: 4)
            let server = APIServer(
                configuration: .init(host: "127.0.0.1", port: 0, keyRequestsPerSecond: keyRate),
                client: database, redis: redisClient, keys: QueueKeys(),
                carrier: SimulatedCarrier(logger: Logger(label: "amplifi.test.api")),
                logger: Logger(label: "amplifi.test.api"))
            let environment = ["AMPLIFI_DATABASE_URL": url, "AMPLIFI_REDIS_URL": redis.url]
            do {
                try await Application(router: server.router()).test(.router) { routes in
                    try await body(
                        client,
                        Fixture(
                            client: client, environment: environment, transport: .memory(routes), orgA: orgA,
                            orgB: orgB))
                }
            } catch {
                await redisClient.close()
                await database.close()
                throw error
            }
            await redisClient.close()
            await database.close()
        }
    }

    static let campaignBody = #"{"name": "Spring", "message": "Hi {{firstName}}", "contactFilter": {"tags": ["vip"]}}"#

    static func error(_ json: [String: Any]) -> (code: String?, requestID: String?, details: [String: String]?) {
        let error = json["error"] as? [String: Any]
        return (error?["code"] as? String, error?["request_id"] as? String, error?["details"] as? [String: String])
    }

    @Test func keysScopesCampaignsAndControlsBehaveAsDocumented() async throws {
        try await Self.withRoutes { client, api in
            let writer = try await api.key(api.orgA, ["campaigns:read", "campaigns:write", "campaigns:control"])
            let reader = try await api.key(api.orgA, ["campaigns:read"])
            let other = try await api.key(api.orgB, ["campaigns:read", "campaigns:write", "campaigns:control"])
            #expect(writer.hasPrefix("am_live_") && writer.count == 48)

            // 401 without a key or with an unknown one; the body as documented, the id in the header too.
            let (noKey, noKeyBody, headers) = try await api.call(.GET, "/api/campaigns", key: nil)
            #expect(noKey == 401 && Self.error(noKeyBody).code == "UNAUTHORIZED")
            #expect(noKeyBody["success"] as? Bool == false)
            #expect(Self.error(noKeyBody).requestID?.count == 26)
            #expect(headers["X-Request-Id"].first == Self.error(noKeyBody).requestID)
            let (bogus, bogusBody, _) = try await api.call(
                .GET, "/api/campaigns", key: "am_live_" + String(repeating: "x", count: 40))
            #expect(bogus == 401 && Self.error(bogusBody).code == "UNAUTHORIZED")

            // Create (201), list, read with sender and metrics.
            let (created, createdBody, _) = try await api.call(
                .POST, "/api/campaigns", key: writer, body: Self.campaignBody)
            #expect(created == 201, "\(createdBody)")
            let campaign = try #require(createdBody["data"] as? [String: Any])
            let id = try #require(campaign["id"] as? String)
            #expect(campaign["status"] as? String == "pending")
            let (listed, listBody, _) = try await api.call(.GET, "/api/campaigns?limit=10", key: reader)
            #expect(listed == 200 && (listBody["data"] as? [[String: Any]])?.map { $0["id"] as? String } == [id])
            #expect((listBody["meta"] as? [String: Any])?["limit"] as? Int == 10)
            let (filtered, filteredBody, _) = try await api.call(.GET, "/api/campaigns?status=draft", key: reader)
            #expect(filtered == 200 && (filteredBody["data"] as? [Any])?.isEmpty == true)
            let (shown, shownBody, _) = try await api.call(.GET, "/api/campaigns/\(id)", key: reader)
            let detail = try #require(shownBody["data"] as? [String: Any], "\(shown) \(shownBody)")
            #expect((detail["phoneNumber"] as? [String: Any])?["e164"] as? String == "+19195550101")
            #expect((detail["metrics"] as? [String: Any])?["queued"] as? Int == 0)

            // Scopes: a read-only key cannot create (403); another organization's id is 404, not 403.
            let (forbidden, forbiddenBody, _) = try await api.call(
                .POST, "/api/campaigns", key: reader, body: Self.campaignBody)
            #expect(forbidden == 403 && Self.error(forbiddenBody).code == "FORBIDDEN")
            let (foreign, foreignBody, _) = try await api.call(.GET, "/api/campaigns/\(id)", key: other)
            #expect(foreign == 404 && Self.error(foreignBody).code == "NOT_FOUND")
            let (foreignPause, _, _) = try await api.call(.POST, "/api/campaigns/\(id)/pause", key: other)
            #expect(foreignPause == 404)

            // Validation: every problem at once, by field.
            let (invalid, invalidBody, _) = try await api.call(
                .POST, "/api/campaigns", key: writer,
                body: #"{"name": "", "segmentId": "00000000-0000-0000-0000-000000000001", "contactFilter": {}}"#)
            let details = Self.error(invalidBody).details ?? [:]
            #expect(invalid == 400 && Self.error(invalidBody).code == "VALIDATION_FAILED")
            #expect(details.keys.contains("name") && details.keys.contains("message"), "\(details)")
            let (badLimit, badLimitBody, _) = try await api.call(.GET, "/api/campaigns?limit=500", key: reader)
            #expect(badLimit == 400 && Self.error(badLimitBody).details?["limit"] != nil)

            // Drafts: saved incomplete, updated by PATCH, refused once submitted.
            let (drafted, draftBody, _) = try await api.call(
                .POST, "/api/campaigns/draft", key: writer, body: #"{"name": "Later"}"#)
            let draftID = try #require((draftBody["data"] as? [String: Any])?["id"] as? String, "\(draftBody)")
            #expect(drafted == 201)
            let (patched, patchedBody, _) = try await api.call(
                .PATCH, "/api/campaigns/\(draftID)", key: writer, body: #"{"message": "Hello {{firstName}}"}"#)
            let patchedCampaign = patchedBody["data"] as? [String: Any]
            #expect(patched == 200 && patchedCampaign?["message"] as? String == "Hello {{firstName}}", "\(patchedBody)")
            #expect(patchedCampaign?["name"] as? String == "Later" && patchedCampaign?["status"] as? String == "draft")
            let (notDraft, notDraftBody, _) = try await api.call(
                .PATCH, "/api/campaigns/\(id)", key: writer, body: #"{"name": "x"}"#)
            #expect(notDraft == 400 && Self.error(notDraftBody).details?["status"] != nil, "\(notDraftBody)")

            // Controls: pause, a second pause is 409 naming the status, resume, cancel.
            let (paused, pausedBody, _) = try await api.call(
                .POST, "/api/campaigns/\(id)/pause", key: writer, body: #"{"reason": "checking the list"}"#)
            #expect(paused == 200 && (pausedBody["data"] as? [String: Any])?["status"] as? String == "paused")
            let (again, againBody, _) = try await api.call(.POST, "/api/campaigns/\(id)/pause", key: writer)
            #expect(again == 409 && Self.error(againBody).code == "INVALID_TRANSITION")
            let (readerPause, _, _) = try await api.call(.POST, "/api/campaigns/\(id)/resume", key: reader)
            #expect(readerPause == 403)
            let (resumed, _, _) = try await api.call(.POST, "/api/campaigns/\(id)/resume", key: writer)
            #expect(resumed == 200)
            let (canceled, canceledBody, _) = try await api.call(.POST, "/api/campaigns/\(id)/cancel", key: writer)
            #expect(canceled == 200 && (canceledBody["data"] as? [String: Any])?["status"] as? String == "canceled")

            // A key revoked mid-session stops working at once.
            let revoked = try await AmplifiExecutable.run(
                ["api-key", "revoke", "--org", api.orgA.uuidString, String(reader.prefix(16))],
                environment: api.environment)
            #expect(revoked.status == 0, "\(revoked)")
            let (afterRevoke, _, _) = try await api.call(.GET, "/api/campaigns", key: reader)
            #expect(afterRevoke == 401)
            let listedKeys = try await AmplifiExecutable.run(
                ["api-key", "list", "--org", api.orgA.uuidString], environment: api.environment)
            #expect(listedKeys.stdout.contains("revoked") && !listedKeys.stdout.contains(writer), "\(listedKeys)")
            let stored = try await client.query(
                "SELECT count(*)::int FROM api_keys WHERE encode(key_hash, 'escape') LIKE '%am_live_%'")[0].decode(
                    Int.self, at: 0)
            #expect(stored == 0, "only hashes are stored")
            try await api.expectAnswersMatchTheDocument()
        }
    }

    @Test func aRetriedPostCreatesOneCampaignAndAKeyReusedForAnotherBodyIsRefused() async throws {
        try await Self.withRoutes { client, api in
            let writer = try await api.key(api.orgA, ["campaigns:read", "campaigns:write"])
            // Five copies of one request at once (a client retrying on timeouts): one campaign.
            let answers = try await withThrowingTaskGroup(of: (Int, String?, Bool).self) { group in
                for _ in 0..<5 {
                    group.addTask {
                        let (status, body, headers) = try await api.call(
                            .POST, "/api/campaigns", key: writer, body: Self.campaignBody, idempotencyKey: "order-17")
                        let id = (body["data"] as? [String: Any])?["id"] as? String
                        return (status, id, headers["Idempotent-Replayed"].first == "true")
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.0 == 201 }, "\(answers)")
            #expect(Set(answers.compactMap(\.1)).count == 1)
            #expect(answers.filter(\.2).count == 4)
            let campaigns = try await client.query(
                "SELECT count(*)::int FROM campaigns WHERE org_id = \(api.orgA)")[0].decode(Int.self, at: 0)
            #expect(campaigns == 1)

            // The same key for another body: 422, nothing created.
            let (reused, reusedBody, _) = try await api.call(
                .POST, "/api/campaigns", key: writer, body: #"{"name": "Other", "message": "x", "contactFilter": {}}"#,
                idempotencyKey: "order-17")
            #expect(reused == 422 && Self.error(reusedBody).code == "IDEMPOTENCY_KEY_REUSED", "\(reusedBody)")

            // A request that failed gives its key back: the corrected retry runs.
            let (invalid, _, _) = try await api.call(
                .POST, "/api/campaigns", key: writer, body: #"{"name": ""}"#, idempotencyKey: "order-18")
            #expect(invalid == 400)
            let (fixed, _, _) = try await api.call(
                .POST, "/api/campaigns", key: writer, body: Self.campaignBody, idempotencyKey: "order-18")
            #expect(fixed == 201)
            let after = try await client.query(
                "SELECT count(*)::int FROM campaigns WHERE org_id = \(api.orgA)")[0].decode(Int.self, at: 0)
            #expect(after == 2)
            try await api.expectAnswersMatchTheDocument()
        }
    }

    @Test func aKeyPastItsRateIsToldToComeBack() async throws {
        try await Self.withRoutes(keyRate: 3) { client, api in
            let reader = try await api.key(api.orgA, ["campaigns:read"])
            let answers = try await withThrowingTaskGroup(of: (Int, String?, String?).self) { group in
                for _ in 0..<12 {
                    group.addTask {
                        let (status, body, headers) = try await api.call(.GET, "/api/campaigns", key: reader)
                        return (status, Self.error(body).code, headers["Retry-After"].first)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let limited = answers.filter { $0.0 == 429 }
            #expect(!limited.isEmpty && answers.contains { $0.0 == 200 }, "\(answers)")
            #expect(limited.allSatisfy { $0.1 == "RATE_LIMITED" && $0.2 == "1" })
            try await api.expectAnswersMatchTheDocument()
        }
    }

    /// Like every long-running role, the API serves health and metrics on its admin port only.
    @Test func theAPIServesHealthAndMetricsOnItsAdminPort() async throws {
        let admin = try LocalNetwork.freePort()
        try await Self.withAPI(arguments: ["--admin-port", "\(admin)"]) { _, api in
            try await LocalNetwork.waitUntil("the API's admin port to be ready", timeout: 30) {
                (try? await AdminPortTests.get(port: admin, "/readyz"))?.0 == 200
            }
            #expect(try await AdminPortTests.get(port: admin, "/livez").0 == 200)
            let (status, _, _) = try await api.call(.GET, "/api/campaigns", key: nil)
            #expect(status == 401)
            let metrics = try await AdminPortTests.get(port: admin, "/metrics").1
            let refused = AdminPortTests.sample(
                #"amplifi_http_responses_total{server="public",class="4xx"}"#, in: metrics)
            #expect(refused == 1, "\(metrics)")
            #expect(try await AdminPortTests.get(port: api.port, "/metrics").0 == 404, "no metrics for the public")
        }
    }

    @Test func aTestSendReachesTheCarrierRenderedChargedAndNeverToAnOptedOutNumber() async throws {
        typealias E2E = CarrierSimulatorEndToEndTests
        let (simulator, simulatorPort) = try await E2E.launchSimulator(
            ["--callback-delay-ms", "1"],
            environment: ["TWILIO_ACCOUNT_SID": E2E.accountSID, "TWILIO_AUTH_TOKEN": E2E.authToken])
        defer { simulator.terminate() }
        let twilio = [
            "AMPLIFI_CARRIER": "twilio", "TWILIO_ACCOUNT_SID": E2E.accountSID, "TWILIO_AUTH_TOKEN": E2E.authToken,
            "TWILIO_BASE_URL": "http://127.0.0.1:\(simulatorPort)",
        ]
        try await Self.withAPI(environment: twilio) { client, api in
            // A Redis that has kept its data for long, as in production: an organization's first
            // send goes at once (on a fresh Redis every organization's first booking waits one
            // horizon, in case bookings made before a flush are still going out).
            let keys = try RedisClient(url: api.redisURL, maxConnections: 1)
            _ = try await keys.send(["SET", .init(QueueKeys().rateFleetEpoch), "1"])
            await keys.close()
            try await client.query(
                "INSERT INTO credit_ledger (org_id, kind, amount, reason) VALUES (\(api.orgA), 'topup', 10, 'test')")
            try await client.query(
                "INSERT INTO contacts (org_id, phone, opted_out_at) VALUES (\(api.orgA), '+19195550177', now())")
            let writer = try await api.key(api.orgA, ["campaigns:write", "messages:write"])
            let noSend = try await api.key(api.orgA, ["campaigns:write"])
            let (created, createdBody, _) = try await api.call(
                .POST, "/api/campaigns/draft", key: writer, body: Self.campaignBody)
            let id = try #require(
                (createdBody["data"] as? [String: Any])?["id"] as? String, "\(created) \(createdBody)")
            let path = "/api/campaigns/\(id)/test"
            let body = #"{"phoneNumbers": ["+19195550111", "(919) 555-0112"], "mergeData": {"firstName": "Alex"}}"#

            let (forbidden, forbiddenBody, _) = try await api.call(.POST, path, key: noSend, body: body)
            #expect(forbidden == 403 && Self.error(forbiddenBody).code == "FORBIDDEN")

            // Two numbers (one in a US format): rendered, sent, one credit each, replayed on retry.
            let (status, answer, headers) = try await api.call(
                .POST, path, key: writer, body: body, idempotencyKey: "t-1")
            let data = try #require(answer["data"] as? [String: Any], "\(status) \(answer)")
            let results = try #require(data["results"] as? [[String: Any]])
            #expect(status == 200 && data["creditsCharged"] as? Int == 2)
            #expect(results.map { $0["phoneNumber"] as? String } == ["+19195550111", "+19195550112"])
            for result in results {
                #expect(result["status"] as? String == "sent" && result["text"] as? String == "Hi Alex", "\(answer)")
                #expect(result["encoding"] as? String == "GSM-7" && result["segments"] as? Int == 1)
                #expect((result["messageSid"] as? String)?.hasPrefix("SM") == true && result["credits"] as? Int == 1)
            }
            // The engine's own log lines of the request carry its id (not only the HTTP layer's).
            let requestID = try #require(headers["X-Request-Id"].first)
            let log = try String(contentsOf: try #require(api.logFile), encoding: .utf8)
            let engineLine = log.split(separator: "\n").first { $0.contains("test send handed to the carrier") }
            #expect(engineLine?.contains("request_id=\(requestID)") == true, "\(log)")
            let (replayed, _, replayHeaders) = try await api.call(
                .POST, path, key: writer, body: body, idempotencyKey: "t-1")
            #expect(replayed == 200 && replayHeaders["Idempotent-Replayed"].first == "true")
            let received = try await Self.simulatorMessages(port: simulatorPort)
            #expect(received.sorted { $0.to < $1.to }.map(\.to) == ["+19195550111", "+19195550112"])
            #expect(received.allSatisfy { $0.body == "Hi Alex" })

            // The books: the balance, the campaign's spend and the ledger agree.
            let (balance, used, ledger) = try await client.query(
                """
                SELECT o.credit_balance::int, c.credits_used::int,
                       (SELECT sum(amount)::int FROM credit_ledger WHERE org_id = o.id)
                FROM organizations o JOIN campaigns c ON c.org_id = o.id WHERE o.id = \(api.orgA)
                """)[0].decode((Int, Int, Int).self)
            #expect(balance == 8 && used == 2 && ledger == 8)

            // An opted-out number refuses the whole request: nothing is sent or charged.
            let (optedOut, optedOutBody, _) = try await api.call(
                .POST, path, key: writer, body: #"{"phoneNumbers": ["+19195550113", "+19195550177"]}"#)
            #expect(optedOut == 403 && Self.error(optedOutBody).code == "CONTACT_OPTED_OUT", "\(optedOutBody)")
            // Every problem at once; more credits than the balance; another org's campaign.
            let eleven = (200..<211).map { "\"+19195550\($0)\"" }.joined(separator: ", ")
            let (invalid, invalidBody, _) = try await api.call(
                .POST, path, key: writer, body: #"{"phoneNumbers": [\#(eleven)], "mediaUrls": ["a", "b"], "colour": 1}"#
            )
            let details = Self.error(invalidBody).details ?? [:]
            #expect(invalid == 400 && Set(details.keys) == ["phoneNumbers", "mediaUrls", "colour"], "\(invalidBody)")
            // Five numbers of a 400-character text (an MMS under AUTO: 2 credits each) cost 10 > 8.
            let five = (121..<126).map { "\"+19195550\($0)\"" }.joined(separator: ", ")
            let long = #"{"phoneNumbers": [\#(five)], "message": "\#(String(repeating: "a", count: 400))"}"#
            let (short, shortBody, _) = try await api.call(.POST, path, key: writer, body: long)
            #expect(short == 402 && Self.error(shortBody).code == "INSUFFICIENT_CREDITS", "\(shortBody)")
            let other = try await api.key(api.orgB, ["messages:write"])
            let (hidden, _, _) = try await api.call(.POST, path, key: other, body: body)
            #expect(hidden == 404)
            #expect(try await Self.simulatorMessages(port: simulatorPort).count == 2)

            // A reply the team writes: sent now through the carrier, charged to the organization
            // alone, and the conversation opens; the document's checks, each with its code.
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, is_textable) VALUES
                    (\(api.orgA), '+19195550161', true), (\(api.orgA), '+19195550162', NULL)
                """)
            let inbox = try await api.key(api.orgA, ["messages:write", "conversations:read"])
            let (replied, repliedBody, _) = try await api.call(
                .POST, "/api/conversations/(919)%20555-0161/reply", key: inbox, body: #"{"message": "On our way"}"#)
            let messageLog = repliedBody["messageLog"] as? [String: Any] ?? [:]
            #expect(
                replied == 200 && repliedBody["success"] as? Bool == true && messageLog["status"] as? String == "sent",
                "\(repliedBody)")
            #expect(
                repliedBody["provider"] as? String == "twilio"
                    && (repliedBody["providerMessageId"] as? String)?.hasPrefix("SM") == true)
            #expect(
                try await Self.simulatorMessages(port: simulatorPort).contains {
                    $0.to == "+19195550161" && $0.body == "On our way"
                })
            let (_, threads, _) = try await api.call(.GET, "/api/conversations", key: inbox)
            let opened = (threads["data"] as? [[String: Any]])?.first { $0["phoneNumber"] as? String == "+19195550161" }
            #expect(
                opened?["lastMessageDirection"] as? String == "outbound"
                    && opened?["lastMessage"] as? String == "On our way")
            let otherNumber = try await client.query("SELECT id FROM phone_numbers WHERE org_id = \(api.orgB)")[0]
                .decode(UUID.self, at: 0)
            for (phone, body, status, code) in [
                ("+19195550169", #"{"message": "Hi"}"#, 400, "CONTACT_NOT_FOUND"),
                ("+19195550177", #"{"message": "Hi"}"#, 400, "CONTACT_OPTED_OUT"),
                ("+19195550162", #"{"message": "Hi"}"#, 400, "CONTACT_NON_TEXTABLE"),
                ("+19195550161", #"{"message": "Hi", "fromPhoneNumberId": "\#(otherNumber)"}"#, 403, "FORBIDDEN"),
                ("+19195550161", #"{"message": ""}"#, 400, "VALIDATION_FAILED"),
            ] {
                let (answered, answer, _) = try await api.call(
                    .POST, "/api/conversations/\(phone)/reply", key: inbox, body: body)
                #expect(answered == status && Self.error(answer).code == code, "\(phone) \(body): \(answer)")
            }
            let (afterBalance, afterUsed, manualDebits) = try await client.query(
                """
                SELECT o.credit_balance::int, c.credits_used::int,
                       (SELECT count(*)::int FROM credit_ledger l
                        WHERE l.org_id = o.id AND l.batch_id LIKE 'manual:%' AND l.campaign_id IS NULL)
                FROM organizations o JOIN campaigns c ON c.org_id = o.id WHERE o.id = \(api.orgA)
                """)[0].decode((Int, Int, Int).self)
            #expect(afterBalance == 7 && afterUsed == 2 && manualDebits == 1)
            try await api.expectAnswersMatchTheDocument()
        }
    }

    @Test func segmentsAreSavedPreviewedAndDeletedThroughTheAPIAndTheCLI() async throws {
        try await Self.withRoutes { client, api in
            try await client.query(
                """
                INSERT INTO contacts (org_id, phone, tags, is_textable, opted_out_at)
                VALUES (\(api.orgA), '+19195550131', '{vip}', true, NULL),
                       (\(api.orgA), '+19195550132', '{vip}', true, now()),
                       (\(api.orgA), '+19195550133', '{}', true, NULL)
                """)
            let writer = try await api.key(api.orgA, ["contacts:read", "contacts:write", "campaigns:write"])
            let reader = try await api.key(api.orgA, ["contacts:read"])
            let other = try await api.key(api.orgB, ["contacts:read", "contacts:write"])

            let (invalid, invalidBody, _) = try await api.call(
                .POST, "/api/segments", key: writer, body: #"{"name": "", "filter": {"colour": 1}}"#)
            #expect(invalid == 400 && Set((Self.error(invalidBody).details ?? [:]).keys) == ["name", "filter.colour"])
            let (created, createdBody, _) = try await api.call(
                .POST, "/api/segments", key: writer, body: #"{"name": "VIPs", "filter": {"tags": ["vip"]}}"#)
            let segment = try #require(createdBody["data"] as? [String: Any], "\(created) \(createdBody)")
            let id = try #require(segment["id"] as? String)
            #expect(created == 201 && (segment["filter"] as? [String: Any])?["tags"] as? [String] == ["vip"])
            let (denied, _, _) = try await api.call(
                .POST, "/api/segments", key: reader, body: #"{"name": "x", "filter": {}}"#)
            #expect(denied == 403)

            let (previewed, previewBody, _) = try await api.call(.GET, "/api/segments/\(id)/preview", key: reader)
            let preview = try #require(previewBody["data"] as? [String: Any], "\(previewBody)")
            #expect(previewed == 200 && preview["count"] as? Int == 2 && preview["sendable"] as? Int == 1)
            let (listed, listBody, _) = try await api.call(.GET, "/api/segments?limit=1", key: reader)
            #expect(listed == 200 && (listBody["data"] as? [[String: Any]])?.count == 1)
            let (patched, patchBody, _) = try await api.call(
                .PATCH, "/api/segments/\(id)", key: writer, body: #"{"name": "Very important"}"#)
            #expect(patched == 200 && (patchBody["data"] as? [String: Any])?["name"] as? String == "Very important")
            let (hidden, _, _) = try await api.call(.GET, "/api/segments/\(id)", key: other)
            let (hiddenDelete, _, _) = try await api.call(.DELETE, "/api/segments/\(id)", key: other)
            #expect(hidden == 404 && hiddenDelete == 404)

            // A draft on the segment: deleting says it waits; a new campaign cannot name it any more.
            let (_, draftBody, _) = try await api.call(
                .POST, "/api/campaigns/draft", key: writer, body: #"{"name": "On VIPs", "segmentId": "\#(id)"}"#)
            #expect((draftBody["data"] as? [String: Any])?["segmentId"] as? String == id, "\(draftBody)")
            let (deleted, deletedBody, _) = try await api.call(.DELETE, "/api/segments/\(id)", key: writer)
            #expect(deleted == 200 && (deletedBody["data"] as? [String: Any])?["waitingCampaigns"] as? Int == 1)
            let (gone, _, _) = try await api.call(.GET, "/api/segments/\(id)", key: reader)
            #expect(gone == 404)
            let (refused, refusedBody, _) = try await api.call(
                .POST, "/api/campaigns", key: writer,
                body: #"{"name": "Late", "message": "Hi", "segmentId": "\#(id)"}"#)
            #expect(refused == 400 && Self.error(refusedBody).details?["segmentId"] != nil, "\(refusedBody)")

            // The CLI twin, on the same rows.
            let org = api.orgA.uuidString
            let made = try await AmplifiExecutable.run(
                ["segment", "create", "--org", org, "--name", "Everyone", "--filter", "{}"],
                environment: api.environment)
            #expect(made.status == 0, "\(made)")
            let cliID = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let shown = try await AmplifiExecutable.run(
                ["segment", "show", "--org", org, cliID], environment: api.environment)
            #expect(
                shown.status == 0 && shown.stdout.contains("matches:  3 contacts, 2 a campaign would text"), "\(shown)")
            let list = try await AmplifiExecutable.run(["segment", "list", "--org", org], environment: api.environment)
            #expect(list.stdout.contains(cliID) && !list.stdout.contains(id), "\(list)")
            let bad = try await AmplifiExecutable.run(
                ["segment", "create", "--org", org, "--name", "Bad", "--filter", #"{"colour": 1}"#],
                environment: api.environment)
            #expect(bad.status != 0 && bad.stderr.contains("filter.colour"), "\(bad)")
            let removed = try await AmplifiExecutable.run(
                ["segment", "delete", "--org", org, cliID], environment: api.environment)
            #expect(removed.status == 0 && removed.stdout.contains("campaigns still waiting on it: 0"), "\(removed)")
            try await api.expectAnswersMatchTheDocument()
        }
    }

    @Test func contactsAreCreatedMergedListedUpdatedAndDeletedThroughTheAPI() async throws {
        try await Self.withRoutes { client, api in
            let writer = try await api.key(api.orgA, ["contacts:read", "contacts:write"])
            let other = try await api.key(api.orgB, ["contacts:read", "contacts:write"])
            func data(_ body: [String: Any]) -> [String: Any] { body["data"] as? [String: Any] ?? [:] }

            // Created, then merged on the phone: tags added, fields given overwrite, nothing lost.
            let (created, createdBody, _) = try await api.call(
                .POST, "/api/contacts", key: writer,
                body:
                    #"{"phone": "(919) 555-0141", "firstName": "Alice", "state": "nc", "tags": ["vip"], "customFields": {"plan": "gold", "seats": 3}}"#
            )
            let alice = data(createdBody)
            let id = try #require(alice["id"] as? String, "\(created) \(createdBody)")
            #expect(
                created == 201 && alice["_outcome"] as? String == "created"
                    && alice["phone"] as? String == "+19195550141")
            #expect(
                alice["state"] as? String == "NC" && alice["isTextable"] is NSNull && alice["optedIn"] as? Bool == true)
            #expect(alice["customFields"] as? [String: String] == ["plan": "gold", "seats": "3"])
            let (merged, mergedBody, _) = try await api.call(
                .POST, "/api/contacts", key: writer,
                body: #"{"phone": "+19195550141", "lastName": "Liddell", "tags": ["member"]}"#)
            #expect(
                merged == 200 && data(mergedBody)["_outcome"] as? String == "merged"
                    && data(mergedBody)["id"] as? String == id)
            #expect(
                data(mergedBody)["tags"] as? [String] == ["vip", "member"]
                    && data(mergedBody)["firstName"] as? String == "Alice")
            let (invalid, invalidBody, _) = try await api.call(
                .POST, "/api/contacts", key: writer,
                body: #"{"phone": "12", "state": "North", "customFields": {"a": [1]}, "x": 1}"#)
            #expect(
                invalid == 400
                    && Set((Self.error(invalidBody).details ?? [:]).keys) == ["phone", "state", "customFields.a", "x"],
                "\(invalidBody)")
            for (phone, name, tags) in [("+19195550142", "Bob", #"["vip"]"#), ("+19195550143", "Carol", "[]")] {
                let (status, _, _) = try await api.call(
                    .POST, "/api/contacts", key: writer,
                    body: #"{"phone": "\#(phone)", "firstName": "\#(name)", "tags": \#(tags)}"#)
                #expect(status == 201)
            }

            // Listing: the campaign filter language, keyset pages, a total on request, a segment.
            let (listed, listBody, _) = try await api.call(
                .GET, "/api/contacts?tags=vip&includeTotal=true&limit=1", key: writer)
            let meta = listBody["meta"] as? [String: Any] ?? [:]
            #expect(listed == 200 && meta["total"] as? Int == 2 && (listBody["data"] as? [[String: Any]])?.count == 1)
            let cursor = try #require(meta["next_cursor"] as? String)
            let (_, nextBody, _) = try await api.call(
                .GET, "/api/contacts?tags=vip&limit=1&cursor=\(cursor)", key: writer)
            let pages = [listBody, nextBody].flatMap {
                ($0["data"] as? [[String: Any]] ?? []).compactMap { $0["firstName"] as? String }
            }
            #expect(Set(pages) == ["Alice", "Bob"] && (nextBody["meta"] as? [String: Any])?["next_cursor"] is NSNull)
            let (_, searchBody, _) = try await api.call(.GET, "/api/contacts?search=caro&sort=created_at", key: writer)
            #expect((searchBody["data"] as? [[String: Any]])?.compactMap { $0["firstName"] as? String } == ["Carol"])
            let (_, segmentBody, _) = try await api.call(
                .POST, "/api/segments", key: writer, body: #"{"name": "Members", "filter": {"tags": ["member"]}}"#)
            let segment = try #require(data(segmentBody)["id"] as? String)
            let (_, bySegment, _) = try await api.call(.GET, "/api/contacts?segmentId=\(segment)&tags=vip", key: writer)
            #expect((bySegment["data"] as? [[String: Any]])?.compactMap { $0["firstName"] as? String } == ["Alice"])
            let (badList, badListBody, _) = try await api.call(
                .GET, "/api/contacts?sort=name&isTextable=maybe", key: writer)
            #expect(
                badList == 400 && Set((Self.error(badListBody).details ?? [:]).keys) == ["sort", "isTextable"],
                "\(badListBody)")

            // Update: tags and custom fields replace, null clears, the phone cannot change.
            let (patched, patchBody, _) = try await api.call(
                .PATCH, "/api/contacts/\(id)", key: writer,
                body: #"{"tags": ["alumni"], "customFields": {"plan": "silver"}, "lastName": null}"#)
            #expect(
                patched == 200 && data(patchBody)["tags"] as? [String] == ["alumni"]
                    && data(patchBody)["lastName"] is NSNull)
            #expect(data(patchBody)["customFields"] as? [String: String] == ["plan": "silver"])
            let (phonePatch, _, _) = try await api.call(
                .PATCH, "/api/contacts/\(id)", key: writer, body: #"{"phone": "+19195550199"}"#)
            #expect(phonePatch == 400)
            for method in [HTTPMethod.GET, .DELETE] {
                let (hidden, _, _) = try await api.call(method, "/api/contacts/\(id)", key: other)
                #expect(hidden == 404)
            }

            // The contact's campaign history, newest first.
            let campaigns = try await client.query(
                """
                INSERT INTO campaigns (org_id, name, message, contact_filter, status)
                SELECT \(api.orgA), 'History ' || n, 'Hi', '{}'::jsonb, 'completed' FROM generate_series(1, 2) n
                RETURNING id
                """
            ).map { try $0.decode(UUID.self, at: 0) }
            for (index, campaign) in campaigns.enumerated() {
                try await client.query(
                    """
                    INSERT INTO campaign_messages (org_id, campaign_id, contact_id, phone, body, status, sent_at, created_at)
                    VALUES (\(api.orgA), \(campaign), \(UUID(uuidString: id)!), '+19195550141', 'Hi Alice',
                            'delivered', now(), now() - make_interval(mins => \(10 - index)))
                    """)
            }
            let (history, historyBody, _) = try await api.call(
                .GET, "/api/contacts/\(id)/messages?limit=1", key: writer)
            let newest = (historyBody["data"] as? [[String: Any]])?.first
            #expect(
                history == 200 && newest?["campaignName"] as? String == "History 2"
                    && newest?["body"] as? String == "Hi Alice")
            let historyCursor = try #require((historyBody["meta"] as? [String: Any])?["next_cursor"] as? String)
            let (_, olderBody, _) = try await api.call(
                .GET, "/api/contacts/\(id)/messages?limit=1&cursor=\(historyCursor)", key: writer)
            #expect((olderBody["data"] as? [[String: Any]])?.first?["campaignName"] as? String == "History 1")

            // By hand: an opt-out, an opt-in only on recorded consent, both recorded with the key.
            let (optedOut, optedOutBody, _) = try await api.call(
                .POST, "/api/contacts/\(id)/opt-out", key: writer, body: #"{"reason": "asked on the phone"}"#)
            #expect(optedOut == 200 && data(optedOutBody)["optedIn"] as? Bool == false)
            let (noSource, noSourceBody, _) = try await api.call(.POST, "/api/contacts/\(id)/opt-in", key: writer)
            #expect(noSource == 400 && Self.error(noSourceBody).details?["source"] != nil, "\(noSourceBody)")
            let (optedIn, optedInBody, _) = try await api.call(
                .POST, "/api/contacts/\(id)/opt-in", key: writer, body: #"{"source": "signed form, 2026-11-30"}"#)
            #expect(
                optedIn == 200 && data(optedInBody)["optedIn"] as? Bool == true
                    && data(optedInBody)["optedInAt"] is String)
            let events = try await client.query(
                "SELECT action, source, actor LIKE 'api_key:%' FROM consent_events WHERE org_id = \(api.orgA) ORDER BY id"
            ).map { try $0.decode((String, String, Bool).self) }
            #expect(
                events.map(\.0) == ["opt_out", "opt_in"]
                    && events.map(\.1) == ["asked on the phone", "signed form, 2026-11-30"])
            #expect(events.allSatisfy { $0.2 })

            // Delete: anonymized; an opted-out phone comes back opted out.
            _ = try await api.call(.POST, "/api/contacts/\(id)/opt-out", key: writer)
            let (deleted, deletedBody, _) = try await api.call(.DELETE, "/api/contacts/\(id)", key: writer)
            #expect(deleted == 200 && data(deletedBody)["deleted"] as? Bool == true)
            let (gone, _, _) = try await api.call(.GET, "/api/contacts/\(id)", key: writer)
            #expect(gone == 404)
            let (again, againBody, _) = try await api.call(
                .POST, "/api/contacts", key: writer, body: #"{"phone": "+19195550141"}"#)
            #expect(
                again == 201 && data(againBody)["optedIn"] as? Bool == false && data(againBody)["id"] as? String != id)
            let stored = try await client.query(
                "SELECT count(*)::int FROM contacts WHERE org_id = \(api.orgA) AND first_name = 'Alice'")[0].decode(
                    Int.self, at: 0)
            #expect(stored == 0)
            try await api.expectAnswersMatchTheDocument()
        }
    }

    @Test func theInboxListsConversationsTheirHistoryAndTheTeamsMarks() async throws {
        try await Self.withRoutes { client, api in
            try await client.query(
                "INSERT INTO contacts (org_id, phone, first_name, is_textable) VALUES (\(api.orgA), '+19195550151', 'Ada', true)"
            )
            // Messages arrive the way the receiver stores them.
            let redisClient = try RedisClient(url: api.redisURL, maxConnections: 1)
            let handler = InboundMessageHandler(
                client: client, redis: redisClient,
                carrier: SimulatedCarrier(logger: Logger(label: "amplifi.test.api")),
                logger: Logger(label: "amplifi.test.api"))
            for (from, body) in [
                ("+19195550151", "Hello?"), ("+19195550152", "Who is this"), ("+19195550151", "Still there?"),
            ] {
                _ = try await handler.handle(
                    InboundMessage(
                        providerMessageID: "SM\(UUID().uuidString.prefix(12))", from: from, to: "+19195550101",
                        body: body))
            }
            await redisClient.close()
            let reader = try await api.key(api.orgA, ["conversations:read"])
            let writer = try await api.key(api.orgA, ["conversations:read", "messages:write"])
            let other = try await api.key(api.orgB, ["conversations:read", "messages:write"])

            let (listed, listBody, _) = try await api.call(.GET, "/api/conversations?limit=1", key: reader)
            let first = (listBody["data"] as? [[String: Any]])?.first
            #expect(
                listed == 200 && first?["phoneNumber"] as? String == "+19195550151"
                    && first?["firstName"] as? String == "Ada")
            #expect(first?["unreadCount"] as? Int == 2 && first?["lastMessage"] as? String == "Still there?")
            let (history, historyBody, _) = try await api.call(
                .GET, "/api/conversations/(919)%20555-0151/messages", key: reader)
            let page = (historyBody["data"] as? [String: Any]) ?? [:]
            #expect(history == 200 && page["timezone"] as? String == "America/New_York", "\(historyBody)")
            #expect(
                (page["messages"] as? [[String: Any]])?.compactMap { $0["message"] as? String } == [
                    "Still there?", "Hello?",
                ])
            let (denied, _, _) = try await api.call(.POST, "/api/conversations/+19195550151/read", key: reader)
            #expect(denied == 403)
            let (read, _, _) = try await api.call(.POST, "/api/conversations/+19195550151/read", key: writer)
            let (archived, _, _) = try await api.call(.POST, "/api/conversations/+19195550151/archive", key: writer)
            #expect(read == 200 && archived == 200)
            let (_, unreadBody, _) = try await api.call(
                .GET, "/api/conversations?unread=true&includeArchived=true", key: reader)
            #expect(
                (unreadBody["data"] as? [[String: Any]])?.compactMap { $0["phoneNumber"] as? String } == [
                    "+19195550152"
                ])
            let (_, inboxBody, _) = try await api.call(.GET, "/api/conversations", key: reader)
            #expect((inboxBody["data"] as? [[String: Any]])?.count == 1)
            // The v1 shape: opaque ids, both numbers, consent (null for a stranger), a total.
            let (v1, v1Body, _) = try await api.call(.GET, "/v1/conversations", key: reader)
            let items = v1Body["data"] as? [[String: Any]] ?? []
            let meta = v1Body["meta"] as? [String: Any] ?? [:]
            #expect(v1 == 200 && items.count == 2 && meta["total"] as? Int == 2 && meta["offset"] as? Int == 0)
            let ada = try #require(items.first { $0["contact_number"] as? String == "+19195550151" }, "\(v1Body)")
            #expect(ada["phone_number"] as? String == "+19195550101" && ada["message_count"] as? Int == 2)
            #expect((ada["consent"] as? [String: Any])?["opted_in"] as? Bool == true)
            #expect(items.first { $0["contact_number"] as? String == "+19195550152" }?["consent"] is NSNull)
            let handle = try #require(ada["id"] as? String)
            #expect(handle.count == 22 && !handle.contains("=") && !handle.contains("/"))

            // Past the retention window: the preview and the texts go, the conversation stays.
            try await client.query("UPDATE organizations SET message_retention_days = 1 WHERE id = \(api.orgA)")
            try await client.query(
                "UPDATE inbound_messages SET received_at = received_at - interval '2 days' WHERE org_id = \(api.orgA)")
            try await client.query(
                "UPDATE conversations SET last_message_at = last_message_at - interval '2 days' WHERE org_id = \(api.orgA)"
            )
            #expect(try await MessageRetention(client: client).redactExpired() == 5)
            let (_, redactedBody, _) = try await api.call(.GET, "/v1/conversations", key: reader)
            let redacted = (redactedBody["data"] as? [[String: Any]] ?? []).first { $0["id"] as? String == handle }
            #expect(redacted?["last_message_preview"] as? String == "[redacted]")
            #expect(redacted?["last_message_body_redacted_at"] is String && redacted?["message_count"] as? Int == 2)
            let (v1Messages, v1MessagesBody, _) = try await api.call(
                .GET, "/v1/conversations/\(handle)/messages", key: reader)
            let v1Items = v1MessagesBody["data"] as? [[String: Any]] ?? []
            #expect(
                v1Messages == 200 && v1Items.count == 2
                    && v1Items.allSatisfy { $0["body"] is NSNull && $0["direction"] as? String == "inbound" })
            let (unknownHandle, _, _) = try await api.call(.GET, "/v1/conversations/nope/messages", key: reader)
            let (otherHandle, _, _) = try await api.call(.GET, "/v1/conversations/\(handle)/messages", key: other)
            #expect(unknownHandle == 404 && otherHandle == 404)

            let (hidden, _, _) = try await api.call(.GET, "/api/conversations/+19195550151/messages", key: other)
            let (badPhone, _, _) = try await api.call(.GET, "/api/conversations/12/messages", key: reader)
            let (badFlag, _, _) = try await api.call(.GET, "/api/conversations?unread=yes", key: reader)
            #expect(hidden == 404 && badPhone == 400 && badFlag == 400)
            try await api.expectAnswersMatchTheDocument()
        }
    }

    /// What the carrier simulator has accepted (its Twilio list of messages): recipient and body.
    static func simulatorMessages(port: Int) async throws -> [(to: String, body: String)] {
        var request = HTTPClientRequest(
            url:
                "http://127.0.0.1:\(port)/2010-04-01/Accounts/\(CarrierSimulatorEndToEndTests.accountSID)/Messages.json"
        )
        request.headers.add(name: "Authorization", value: CarrierSimulatorEndToEndTests.authorization)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let data = try await response.body.collect(upTo: 1 << 20)
        let page = try #require(try JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any])
        return (page["messages"] as? [[String: Any]] ?? []).map {
            (to: $0["to"] as? String ?? "", body: $0["body"] as? String ?? "")
        }
    }

    /// A scheduler and a worker sending through the in-process simulator slowly enough (100 ms per
    /// batch of 20) for a test to act while a campaign of a few thousand is sent.
    static func launchSlowSenders(environment: [String: String], logs: URL) throws -> [Process] {
        [
            try AmplifiExecutable.launch(
                ["scheduler", "--tick-milliseconds", "100"], environment: environment,
                logTo: logs.appendingPathComponent("scheduler.log")),
            try AmplifiExecutable.launch(
                ["worker", "--chunk-size", "200", "--batch-size", "20", "--sim-latency-milliseconds", "100"],
                environment: environment, logTo: logs.appendingPathComponent("worker.log")),
        ]
    }

    /// Reads Server-Sent Events from `path` until an `end` event (or `limit` events); calls `onEvent`
    /// with each event's name and JSON data as it arrives.
    static func readEvents(
        port: Int, path: String, key: String, limit: Int = 10_000,
        onEvent: @Sendable (String, [String: Any]) async throws -> Void
    ) async throws -> [(String, [String: Any])] {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(180))
        #expect(response.status.code == 200)
        #expect(response.headers["Content-Type"].first == "text/event-stream")
        var events: [(String, [String: Any])] = []
        var pending = ""
        for try await buffer in response.body {
            pending += String(buffer: buffer)
            while let end = pending.range(of: "\n\n") {
                let block = pending[..<end.lowerBound]
                pending = String(pending[end.upperBound...])
                var name = ""
                var data = ""
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data = String(line.dropFirst(6)) }
                }
                guard !name.isEmpty else { continue }
                let json = (try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any] ?? [:]
                events.append((name, json))
                try await onEvent(name, json)
                if name == "end" || events.count >= limit { return events }
            }
        }
        return events
    }
}

/// The API while real worker and scheduler processes send: a dashboard's event stream with pauses
/// through the API, and a client written from the API's documentation alone
/// (`Tests/Fixtures/amplifi_api_client.py`, Python's standard library) that creates, watches,
/// pauses and resumes a campaign. Run with the other fleets, after the bulk of the tests (make test).
@Suite("The API with a sending fleet (the real executables)")
struct APIFleetTests {
    static let script = TestDatabase.sqlDirectory.deletingLastPathComponent()
        .appendingPathComponent("Tests/Fixtures/amplifi_api_client.py").path

    @Test func aDashboardWatchesASendWhileOpsPauseAndResumeItThroughTheAPI() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 2_000)
            let environment = ["AMPLIFI_DATABASE_URL": url, "AMPLIFI_REDIS_URL": redis.url]
            let logs = try LocalNetwork.temporaryDirectory(prefix: "api-events")
            let port = try LocalNetwork.freePort()
            let api = try AmplifiExecutable.launch(
                ["api", "--port", "\(port)"], environment: environment, logTo: logs.appendingPathComponent("api.log"))
            defer { api.terminate() }
            try await LocalNetwork.waitUntil("the API", timeout: 30) { LocalNetwork.isListening(port: port) }
            let created = try await AmplifiExecutable.run(
                [
                    "api-key", "create", "--org", fixture.org.uuidString, "--scope", "campaigns:read", "--scope",
                    "campaigns:control",
                ], environment: environment)
            let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let fleet = try APIServerTests.launchSlowSenders(environment: environment, logs: logs)
            defer { for process in fleet { process.terminate() } }

            // Pause once messages flow, resume once the pause shows in the stream.
            let path = "/api/campaigns/\(fixture.campaign.uuidString.lowercased())"
            let caller = APIServerTests.Fixture(
                client: client, environment: environment, transport: .live(port: port, process: api), orgA: fixture.org,
                orgB: fixture.org)
            let steps = Steps()
            let events = try await APIServerTests.readEvents(port: port, path: path + "/events", key: key) {
                name, data in
                if name == "progress", (data["sent"] as? Int ?? 0) > 0, await steps.take("pause") {
                    let (paused, _, _) = try await caller.call(.POST, path + "/pause", key: key)
                    #expect(paused == 200)
                }
                if name == "status", data["status"] as? String == "paused", await steps.take("resume") {
                    let (resumed, _, _) = try await caller.call(.POST, path + "/resume", key: key)
                    #expect(resumed == 200)
                }
            }
            let statuses = events.filter { $0.0 == "status" }.compactMap { $0.1["status"] as? String }
            #expect(statuses.contains("paused") && statuses.last == "completed", "\(statuses)")
            #expect(events.last?.0 == "end" && events.last?.1["status"] as? String == "completed")
            let last = try #require(events.last { $0.0 == "progress" }?.1)
            #expect(last["sent"] as? Int == 2_000 && last["remaining"] as? Int == 0, "\(last)")
            #expect(events.contains { ($0.1["messagesPerSecond"] as? Double ?? 0) > 0 })

            let (status, stats, _) = try await caller.call(.GET, path + "/stats", key: key)
            let data = try #require(stats["data"] as? [String: Any], "\(status) \(stats)")
            #expect((data["byStatus"] as? [String: Int])?["sent"] == 2_000)
            let variants = data["variants"] as? [[String: Any]]
            #expect(variants?.first?["sent"] as? Int == 2_000 && variants?.first?["replyRate"] as? Double == 0)
            try await caller.expectAnswersMatchTheDocument()
        }
    }

    @Test func aPythonClientCreatesWatchesPausesAndResumesACampaign() async throws {
        let redis = try await LocalRedisServer.start()
        defer { redis.stop() }
        try await withTestDatabase(maxConnections: 4) { client, url in
            // The fixture's contacts, credits and number; its own campaign is not wanted here.
            let fixture = try await SenderCrashTests.Fixture.make(client, recipients: 1_500)
            try await client.query("UPDATE campaigns SET status = 'canceled' WHERE id = \(fixture.campaign)")
            let environment = ["AMPLIFI_DATABASE_URL": url, "AMPLIFI_REDIS_URL": redis.url]
            let logs = try LocalNetwork.temporaryDirectory(prefix: "api-client")
            let port = try LocalNetwork.freePort()
            let api = try AmplifiExecutable.launch(
                ["api", "--port", "\(port)"], environment: environment, logTo: logs.appendingPathComponent("api.log"))
            defer { api.terminate() }
            let fleet = try APIServerTests.launchSlowSenders(environment: environment, logs: logs)
            defer { for process in fleet { process.terminate() } }
            try await LocalNetwork.waitUntil("the API", timeout: 30) { LocalNetwork.isListening(port: port) }
            let created = try await AmplifiExecutable.run(
                [
                    "api-key", "create", "--org", fixture.org.uuidString, "--scope", "campaigns:read", "--scope",
                    "campaigns:write", "--scope", "campaigns:control",
                ], environment: environment)
            let key = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [
                "python3", Self.script, "--base-url", "http://127.0.0.1:\(port)", "--key", key, "--body",
                #"{"name": "From Python", "message": "Hi {{firstName}}", "contactFilter": {}}"#,
            ]
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
            process.waitUntilExit()
            let lines = String(decoding: data, as: UTF8.self)
            #expect(process.terminationStatus == 0, "\(lines)")
            let summary = try #require(
                lines.split(separator: "\n").last.flatMap {
                    try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
                }, "\(lines)")
            #expect(summary["final"] as? String == "completed" && summary["sent"] as? Int == 1_500, "\(summary)")
            let campaigns = try await client.query(
                "SELECT count(*)::int FROM campaigns WHERE org_id = \(fixture.org) AND name = 'From Python'")[0].decode(
                    Int.self, at: 0)
            #expect(campaigns == 1)
        }
    }
}

/// The answers a test got from the API.
actor Answers {
    struct Answer: Sendable {
        var method: String
        var path: String
        var status: Int
        var success: Bool?
        var hasData: Bool
        var errorFields: Set<String>?
    }

    private(set) var all: [Answer] = []

    func record(method: String, path: String, status: Int, success: Bool?, hasData: Bool, errorFields: Set<String>?) {
        all.append(
            Answer(
                method: method, path: path, status: status, success: success, hasData: hasData,
                errorFields: errorFields))
    }
}

/// Steps a test's event handler takes once each.
actor Steps {
    private var taken: Set<String> = []

    /// True the first time `step` is asked for.
    func take(_ step: String) -> Bool { taken.insert(step).inserted }
}
