import AmplifiMessaging
public import AmplifiPostgres
public import Foundation
public import Logging

/// Creates and reads organizations, and adds credits to them through the ledger.
///
/// Credits never touch `organizations.credit_balance` directly: every change is a
/// `credit_ledger` row whose trigger (sql/004_credits.sql) applies it to the balance, so
/// the balance always equals the ledger's sum.
public struct OrganizationStore: Sendable {
    /// The organizations' default zone (the column default in sql/001_core.sql).
    public static let defaultTimeZone = "America/New_York"

    let client: PostgresClient
    let logger: Logger

    /// A store over `client`.
    public init(client: PostgresClient, logger: Logger = Logger(label: "amplifi.organizations")) {
        self.client = client
        self.logger = logger
    }

    // The org row's columns in the order ``decodeOrganization`` reads them.
    static let columns = "id, name, timezone, credit_balance, billing_active, created_at"

    // credit_balance is left to its default (0): the guard trigger rejects any other
    // starting balance; the opening credits are a 'topup' ledger row in the same transaction.
    static func insertQuery(name: String, timezone: String) -> PostgresQuery {
        "INSERT INTO organizations (name, timezone) VALUES (\(name), \(timezone)) RETURNING \(unescaped: columns)"
    }

    // The ledger trigger locks the org row, applies the amount and fills balance_after;
    // RETURNING it gives the new balance without a second read.
    static func topUpQuery(org: UUID, amount: Int64, reason: String?) -> PostgresQuery {
        """
        INSERT INTO credit_ledger (org_id, kind, amount, reason)
        VALUES (\(org), 'topup', \(amount), \(reason))
        RETURNING balance_after
        """
    }

    // Primary-key probe; the check runs before the insert so the person gets
    // UNKNOWN_TIMEZONE instead of a foreign-key error.
    static func timeZoneExistsQuery(_ name: String) -> PostgresQuery {
        "SELECT EXISTS (SELECT 1 FROM time_zones WHERE name = \(name))"
    }

    static func findQuery(id: UUID) -> PostgresQuery {
        "SELECT \(unescaped: columns) FROM organizations WHERE id = \(id)"
    }

    // Names are not unique: at most two rows are read, enough to tell "ambiguous" apart.
    static func findByNameQuery(_ name: String) -> PostgresQuery {
        "SELECT \(unescaped: columns) FROM organizations WHERE name = \(name) ORDER BY created_at LIMIT 2"
    }

    // One aggregate over the org's ledger (credit_ledger_org_created_idx keeps it to the org).
    static func ledgerSumQuery(org: UUID) -> PostgresQuery {
        "SELECT coalesce(sum(amount), 0)::bigint, count(*)::bigint FROM credit_ledger WHERE org_id = \(org)"
    }

    /// Creates an organization with `credits` opening credits (a `topup` ledger row in the
    /// same transaction). Throws `VALIDATION_FAILED` / `UNKNOWN_TIMEZONE` with the field.
    public func create(name: String, timezone: String? = nil, credits: Int64 = 0) async throws -> Organization {
        let trimmedName = name.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [EngineError] = []
        if trimmedName.isEmpty {
            problems.append(EngineError(.validationFailed, "is required: give the organization a name", field: "name"))
        } else if trimmedName.count > 200 {
            problems.append(EngineError(.validationFailed, "must be at most 200 characters", field: "name"))
        }
        if credits < 0 {
            problems.append(EngineError(.validationFailed, "must be 0 or more", field: "credits"))
        }
        if !problems.isEmpty { throw problems.count == 1 ? problems[0] as any Error : ValidationFailure(problems) }
        let zone = (timezone ?? Self.defaultTimeZone).trimmingCharacters(in: .whitespaces)

        let organization = try await client.withTransaction { connection in
            let exists =
                try await connection.query(Self.timeZoneExistsQuery(zone)).first?.decode(Bool.self, at: 0) ?? false
            guard exists else {
                throw EngineError(
                    .unknownTimezone, "'\(zone)' is not an IANA time zone this server knows (e.g. America/Chicago)",
                    field: "timezone")
            }
            guard let row = try await connection.query(Self.insertQuery(name: trimmedName, timezone: zone)).first else {
                throw EngineError(.conflict, "the organization was not created", field: "name")
            }
            var organization = try Self.decodeOrganization(row)
            if credits > 0 {
                let balance = try await connection.query(
                    Self.topUpQuery(org: organization.id, amount: credits, reason: "opening credits"))
                organization.creditBalance = try balance[0].decode(Int64.self, at: 0)
            }
            return organization
        }
        logger.info("organization created", metadata: ["org_id": .id(organization.id), "credits": "\(credits)"])
        return organization
    }

    /// Adds `amount` (> 0) credits to `org` as a `topup` ledger row; returns the new balance.
    @discardableResult
    public func topUp(org: UUID, amount: Int64, reason: String? = nil) async throws -> Int64 {
        guard amount > 0 else {
            throw EngineError(.validationFailed, "must be more than 0 to add credits", field: "amount")
        }
        do {
            let result = try await client.query(Self.topUpQuery(org: org, amount: amount, reason: reason))
            let balance = try result[0].decode(Int64.self, at: 0)
            logger.info("credits added", metadata: ["org_id": .id(org), "amount": "\(amount)"])
            return balance
        } catch let error as PostgresError where error.hasSQLState(.foreignKeyViolation) {
            throw EngineError(.notFound, "no organization with id \(org)", field: "org")
        }
    }

    /// Turns billing on or off for `org` (off: every debit is refused, so its campaigns pause with
    /// `insufficient_credits`); returns the organization as it is now.
    @discardableResult
    public func setBilling(org: UUID, active: Bool) async throws -> Organization {
        let rows = try await client.query(
            "UPDATE organizations SET billing_active = \(active) WHERE id = \(org) RETURNING \(unescaped: Self.columns)"
        )
        guard let row = rows.first else {
            throw EngineError(.notFound, "no organization with id \(org)", field: "org")
        }
        logger.info("billing changed", metadata: ["org_id": .id(org), "billing_active": "\(active)"])
        return try Self.decodeOrganization(row)
    }

    /// Sets how many days conversation texts are kept (nil: for good); the scheduler's retention
    /// job removes older ones (sql/021_message_retention.sql). Returns the value set.
    @discardableResult
    public func setMessageRetention(org: UUID, days: Int?) async throws -> Int? {
        if let days, !(1...36_500).contains(days) {
            throw EngineError(.validationFailed, "must be 1 to 36500 days, or off", field: "days")
        }
        let rows = try await client.query(
            "UPDATE organizations SET message_retention_days = \(days) WHERE id = \(org) RETURNING id")
        guard !rows.isEmpty else {
            throw EngineError(.notFound, "no organization with id \(org)", field: "org")
        }
        logger.info(
            "message retention changed", metadata: ["org_id": .id(org), "days": "\(days.map(String.init) ?? "off")"])
        return days
    }

    /// The organization with `id`, or `NOT_FOUND`.
    public func find(id: UUID) async throws -> Organization {
        guard let row = try await client.query(Self.findQuery(id: id)).first else {
            throw EngineError(.notFound, "no organization with id \(id)", field: "org")
        }
        return try Self.decodeOrganization(row)
    }

    /// Looks an organization up by id, or else by its exact name (`CONFLICT` when two share it).
    public func resolve(_ reference: String) async throws -> Organization {
        let trimmed = reference.trimmingCharacters(in: .whitespaces)
        if let id = UUID(uuidString: trimmed) { return try await find(id: id) }
        let rows = try await client.query(Self.findByNameQuery(trimmed))
        switch rows.count {
        case 0:
            throw EngineError(.notFound, "no organization with id or name '\(trimmed)'", field: "org")
        case 1:
            return try Self.decodeOrganization(rows[0])
        default:
            throw EngineError(.conflict, "several organizations are named '\(trimmed)': pass the org id", field: "org")
        }
    }

    /// The organization with its ledger total and sender numbers (for `amplifi org show`).
    public func details(org: UUID) async throws -> OrganizationDetails {
        let organization = try await find(id: org)
        let ledger = try await client.query(Self.ledgerSumQuery(org: org))
        let (sum, count) = try ledger[0].decode((Int64, Int64).self)
        let numbers = try await PhoneNumberStore(client: client, logger: logger).list(org: org)
        return OrganizationDetails(
            organization: organization, ledgerSum: sum, ledgerEntries: Int(count), phoneNumbers: numbers)
    }

    static func decodeOrganization(_ row: PostgresRow) throws -> Organization {
        let (id, name, timezone, balance, active, createdAt) = try row.decode(
            (UUID, String, String, Int64, Bool, Date).self)
        return Organization(
            id: id, name: name, timezone: timezone, creditBalance: balance, billingActive: active, createdAt: createdAt)
    }
}
