import AmplifiMessaging
import AmplifiPostgres

/// What a planning error means for the campaign.
///
/// - `permanent`: planning again cannot succeed until a person changes something (the
///   audience filter no longer parses, the segment is gone, there is no sender number, the
///   filter's values cannot be evaluated). The campaign moves to `failed` with `reason`, which
///   says what to fix.
/// - `transient`: the database or Redis is unreachable, restarting or failing over, or
///   anything not known to be permanent. Planning is retried with backoff; the campaign is
///   never failed for it (failing a campaign is final, so only a known cause may do it).
public enum PlanningFailure: Sendable, Equatable {
    /// Fail the campaign with this `status_reason` (`planning_failed: …`).
    case permanent(reason: String)
    /// Retry later.
    case transient

    /// Engine error codes that describe the campaign's own data, not the infrastructure.
    static let permanentCodes: Set<AmplifiErrorCode> = [
        .validationFailed, .notFound, .noFromNumber, .unknownTimezone, .contactNotFound,
    ]

    /// The longest `status_reason` written (the rest of a long validation list is cut).
    static let maxReasonLength = 500

    /// Classifies `error` thrown while planning a campaign.
    public static func classify(_ error: any Error) -> PlanningFailure {
        if let failure = error as? ValidationFailure {
            return .permanent(reason: reason(failure.message))  // names each problem's field already
        }
        if let error = error as? any AmplifiError, permanentCodes.contains(error.code) {
            return .permanent(reason: reason(error.field.map { "\($0): \(error.message)" } ?? error.message))
        }
        // SQLSTATE class 22 (data exception): a value stored in the filter that the database cannot
        // evaluate (an impossible date, a number out of range). The same statement fails every time.
        if let error = error as? PostgresError, error.code == .server, error.sqlState?.hasPrefix("22") == true {
            return .permanent(reason: reason("the audience filter cannot be evaluated: \(error.message)"))
        }
        return .transient
    }

    /// `planning_failed: <detail>`, cut to ``maxReasonLength`` characters.
    static func reason(_ detail: String) -> String {
        let text = "planning_failed: " + detail
        return text.count <= maxReasonLength ? text : String(text.prefix(maxReasonLength - 1)) + "…"
    }
}
