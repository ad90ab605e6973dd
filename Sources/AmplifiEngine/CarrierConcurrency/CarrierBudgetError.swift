public import AmplifiMessaging

/// A failure of the carrier concurrency budget or its permit pool, with a stable code:
///
/// - `CARRIER_BUDGET_INVALID`: a lease asked with a negative count or no holder name;
/// - `CARRIER_PERMIT_TIMEOUT`: no permit became free within the bounded wait;
/// - `CARRIER_PERMIT_CANCELLED`: the task waiting for a permit was cancelled;
/// - `CARRIER_BUDGET_CLOSED`: the pool was closed (the process is shutting down).
///
/// None of them means a request reached the carrier: `BudgetedCarrier` answers the messages it
/// could not send with the retryable `concurrency_budget_timeout`.
public struct CarrierBudgetError: AmplifiError, Hashable {
    /// The stable code.
    public let code: AmplifiErrorCode
    /// What happened, for a person.
    public let message: String

    /// `CARRIER_BUDGET_INVALID` with `message`.
    static func invalid(_ message: String) -> CarrierBudgetError {
        CarrierBudgetError(code: "CARRIER_BUDGET_INVALID", message: message)
    }

    /// No permit became free within the bounded wait.
    public static let permitTimeout = CarrierBudgetError(
        code: "CARRIER_PERMIT_TIMEOUT",
        message: "no permit of the carrier account's concurrency budget became free in time; nothing was sent")

    /// The waiting task was cancelled.
    public static let permitCancelled = CarrierBudgetError(
        code: "CARRIER_PERMIT_CANCELLED", message: "the wait for a carrier permit was cancelled; nothing was sent")

    /// The pool was closed.
    public static let closed = CarrierBudgetError(
        code: "CARRIER_BUDGET_CLOSED", message: "the carrier permit pool is closed; nothing was sent")
}
