import CoreMetrics
public import Hummingbird

/// Counts every response of a server by status class in `amplifi_http_responses_total{server, class}`
/// (`class` is `2xx` … `5xx`; a thrown error counts with its status, any other error as `5xx`). Add it
/// first, so it sees what the other middleware made of the response. `server` names the port
/// (`public` for the receiver's carrier-facing port, `admin` for the admin port): a bounded set, and no
/// path label, so a scan of random URLs cannot grow the series.
public struct ResponseMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let counters: [Counter]

    /// Counts the responses of the server named `server`.
    public init(server: String) {
        counters = (1...5).map {
            Counter(label: "amplifi_http_responses_total", dimensions: [("server", server), ("class", "\($0)xx")])
        }
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            let response = try await next(request, context)
            count(response.status.code)
            return response
        } catch let error as any HTTPResponseError {
            count(error.status.code)
            throw error
        } catch {
            count(500)
            throw error
        }
    }

    private func count(_ code: Int) {
        counters[min(max(code / 100, 1), 5) - 1].increment()
    }
}
