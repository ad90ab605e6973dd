import AmplifiAPI
import AmplifiCarriers
import AmplifiEngine
import AmplifiPostgres
import AmplifiRedis
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Testing

/// The OpenAPI document describes exactly the routes the API's router has.
@Suite("The API's OpenAPI document and its router agree")
struct APIContractTests {
    @Test func everyRouteIsDocumentedAndEveryDocumentedRouteExists() throws {
        // Clients that never connect: building the router opens nothing.
        let server = APIServer(
            configuration: .init(host: "127.0.0.1", port: 0),
            client: PostgresClient(url: "postgres://127.0.0.1:1/none", maxConnections: 1),
            redis: try RedisClient(url: "redis://127.0.0.1:1/0", maxConnections: 1), keys: QueueKeys(),
            carrier: SimulatedCarrier(logger: Logger(label: "amplifi.test.api")),
            logger: Logger(label: "amplifi.test.api"))
        let routed = Set(
            server.router().routes.map { route in
                let path = "\(route.path)".split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : $0 }
                return "\(route.method.rawValue.lowercased()) /" + path.joined(separator: "/")
            })
        let document = try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.json) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        let documented = Set(paths.flatMap { path, operations in operations.keys.map { "\($0) \(path)" } })
        #expect(
            routed == documented,
            "routed only: \(routed.subtracting(documented)); documented only: \(documented.subtracting(routed))")
    }
}
