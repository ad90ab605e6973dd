import AmplifiCarriers
import AmplifiEngine
import AmplifiMessaging
import AmplifiRedis
import ArgumentParser
import Foundation
import Logging

/// `amplifi worker`'s limits on concurrent carrier requests: the process-wide in-flight limit
/// (`--carrier-max-in-flight`) and the fleet-wide budget of the carrier account shared through
/// Redis (`--account-concurrency`), with the bounded wait for a permit (`--carrier-permit-wait-seconds`).
struct CarrierBudgetOptions: ParsableArguments {
    /// The default process-wide in-flight limit.
    static let defaultMaxInFlight = 256

    @Option(
        help:
            "Requests the whole fleet may have in flight against the carrier account (twilio), shared through Redis and halved on a 429 (0: no fleet budget; 0-100000). Default: $AMPLIFI_CARRIER_ACCOUNT_CONCURRENCY, else \(CarrierBudgetSettings.defaultCapacity)."
    )
    var accountConcurrency: Int?

    @Option(
        help:
            "Carrier requests this process may have in flight, across all its sender loops (1-10000). Default: $AMPLIFI_CARRIER_MAX_IN_FLIGHT, else \(CarrierBudgetOptions.defaultMaxInFlight)."
    )
    var carrierMaxInFlight: Int?

    @Option(help: "Seconds a message waits for a carrier permit before it goes back to the queue unsent (0.1-30).")
    var carrierPermitWaitSeconds: Double = 5

    func validate() throws {
        _ = try resolvedAccountConcurrency()
        _ = try resolvedMaxInFlight()
        _ = try FlagValidation.seconds(carrierPermitWaitSeconds, flag: "carrier-permit-wait-seconds", in: 0.1...30)
    }

    /// The longest a message waits for a permit.
    var permitWait: Duration { Saturating.duration(seconds: carrierPermitWaitSeconds) }

    /// `--account-concurrency`, else `$AMPLIFI_CARRIER_ACCOUNT_CONCURRENCY`, else 100; 0 = no fleet budget.
    func resolvedAccountConcurrency() throws -> Int {
        try Self.resolve(
            accountConcurrency, flag: "account-concurrency", variable: "AMPLIFI_CARRIER_ACCOUNT_CONCURRENCY",
            default: CarrierBudgetSettings.defaultCapacity, in: 0...CarrierBudgetSettings.maximumCapacity)
    }

    /// `--carrier-max-in-flight`, else `$AMPLIFI_CARRIER_MAX_IN_FLIGHT`, else 256.
    func resolvedMaxInFlight() throws -> Int {
        try Self.resolve(
            carrierMaxInFlight, flag: "carrier-max-in-flight", variable: "AMPLIFI_CARRIER_MAX_IN_FLIGHT",
            default: Self.defaultMaxInFlight, in: 1...10_000)
    }

    /// The flag's value, else the variable's (a whole number), else `fallback`; refused outside `range`.
    private static func resolve(
        _ flagValue: Int?, flag: String, variable: String, default fallback: Int, in range: ClosedRange<Int>
    ) throws -> Int {
        if let flagValue { return try FlagValidation.count(flagValue, flag: flag, in: range, unit: "requests") }
        guard let text = Environment.value(variable)?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            return fallback
        }
        guard let value = Int(text), range.contains(value) else {
            throw ValidationError(
                "\(variable) must be a whole number between \(range.lowerBound) and \(range.upperBound), got \"\(text)\""
            )
        }
        return value
    }

    /// `carrier` under a process-wide permit pool: `--carrier-max-in-flight` permits, within the
    /// account's fleet budget when `--account-concurrency` is above 0. The in-process simulator is
    /// returned as is (it has no account to protect). `holder` names this process in the budget's leases.
    func budgeted(
        _ carrier: any Carrier, redis: RedisClient, keys: QueueKeys, holder: String, logger: Logger
    ) throws -> any Carrier {
        guard let twilio = carrier as? TwilioCarrier else { return carrier }
        let capacity = try resolvedAccountConcurrency()
        let maxInFlight = try resolvedMaxInFlight()
        let budget =
            capacity > 0
            ? CarrierConcurrencyBudget(
                client: redis, keys: keys, account: twilio.configuration.accountSID,
                settings: CarrierBudgetSettings(capacity: capacity))
            : nil
        logger.info(
            "carrier concurrency limits",
            metadata: ["max_in_flight": "\(maxInFlight)", "account_budget": "\(capacity > 0 ? "\(capacity)" : "off")"])
        let pool = CarrierPermitPool(maxInFlight: maxInFlight, budget: budget, holder: holder, logger: logger)
        return BudgetedCarrier(twilio, pool: pool, permitWait: permitWait)
    }
}
