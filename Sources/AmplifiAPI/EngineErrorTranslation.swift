import AmplifiEngine
import AmplifiHTTP
public import AmplifiMessaging
public import Hummingbird
import Logging

/// Turns what the engine throws into the API's error bodies: a validation failure is 400
/// `VALIDATION_FAILED` with every problem in `details` (field → problem), `NOT_FOUND` 404,
/// `INVALID_TRANSITION` and `CONFLICT` 409, `INSUFFICIENT_CREDITS` 402, `FORBIDDEN` and
/// `CONTACT_OPTED_OUT` 403; any other error is logged and answered 500 `INTERNAL_ERROR` without
/// its text (a libpq message can hold the connection string).
public struct EngineErrorTranslation<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            throw error
        } catch let failure as ValidationFailure {
            throw Self.validation(failure.problems)
        } catch let error as any AmplifiError {
            throw Self.translate(error)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            throw APIError(
                .internalServerError, code: .internalError,
                message: "the server failed to handle the request; quote the request id to support")
        }
    }

    /// 400 `VALIDATION_FAILED` with one detail per field (problems of one field joined).
    static func validation(_ problems: [EngineError]) -> APIError {
        var details: [String: String] = [:]
        for problem in problems {
            let field = problem.field ?? "body"
            details[field] = details[field].map { "\($0); \(problem.message)" } ?? problem.message
        }
        return APIError(.badRequest, code: .validationFailed, message: "validation failed", details: details)
    }

    static func translate(_ error: any AmplifiError) -> APIError {
        switch error.code {
        case .validationFailed, .unknownTimezone:
            return validation([EngineError(.validationFailed, error.message, field: error.field)])
        case .notFound: return APIError(.notFound, code: .notFound, message: error.message)
        case .invalidTransition, .conflict: return APIError(.conflict, code: error.code, message: error.message)
        case .insufficientCredits:
            return APIError(
                .init(code: 402, reasonPhrase: "Payment Required"), code: error.code, message: error.message)
        case .forbidden, .contactOptedOut: return APIError(.forbidden, code: error.code, message: error.message)
        default: return APIError(.badRequest, code: error.code, message: error.message)
        }
    }
}

extension AmplifiErrorCode {
    /// The server failed; the request id finds it in the logs.
    public static let internalError: Self = "INTERNAL_ERROR"
}
