import AmplifiMessaging
public import AmplifiPostgres
public import Foundation
public import Logging

/// Adds and lists an organization's sender numbers (`phone_numbers`).
public struct PhoneNumberStore: Sendable {
    let client: PostgresClient
    let logger: Logger

    /// A store over `client`.
    public init(client: PostgresClient, logger: Logger = Logger(label: "amplifi.phone-numbers")) {
        self.client = client
        self.logger = logger
    }

    static let columns = "id, org_id, e164, is_default, mps::text, kind"

    // Locks the org row: concurrent "add as default" calls for one org serialize here,
    // so un-defaulting the old number and inserting the new default never race into the
    // one-default-per-org index. Also tells a missing org apart (no row).
    static func lockOrganizationQuery(org: UUID) -> PostgresQuery {
        "SELECT 1 FROM organizations WHERE id = \(org) FOR NO KEY UPDATE"
    }

    // Only touches the current default (partial unique index phone_numbers_one_default_per_org).
    static func clearDefaultQuery(org: UUID) -> PostgresQuery {
        "UPDATE phone_numbers SET is_default = false WHERE org_id = \(org) AND is_default"
    }

    // The org's first number becomes its default even without --default, so a campaign
    // without fromPhoneNumberId always resolves to exactly one sender.
    static func insertQuery(org: UUID, e164: String, mps: String, kind: SenderNumberKind, isDefault: Bool)
        -> PostgresQuery
    {
        """
        INSERT INTO phone_numbers (org_id, e164, is_default, mps, kind)
        SELECT \(org), \(e164),
               \(isDefault) OR NOT EXISTS (SELECT 1 FROM phone_numbers WHERE org_id = \(org) AND is_default),
               \(mps)::numeric, \(kind.rawValue)
        RETURNING \(unescaped: columns)
        """
    }

    // Default first, then in the order they were added.
    static func listQuery(org: UUID) -> PostgresQuery {
        "SELECT \(unescaped: columns) FROM phone_numbers WHERE org_id = \(org) ORDER BY is_default DESC, created_at, id"
    }

    /// Adds `number` to `org`. `number` is normalized to E.164 (short codes: 3–8 digits);
    /// `isDefault` makes it the default sender, un-defaulting the previous one in the same
    /// transaction. A number already held by any organization throws `CONFLICT` (field `number`).
    public func add(
        org: UUID, number: String, mps: Decimal = 1, kind: SenderNumberKind = .longCode, isDefault: Bool = false
    ) async throws -> SenderNumber {
        var problems: [EngineError] = []
        let e164: String?
        do {
            e164 = try Self.normalize(number, kind: kind)
        } catch {
            e164 = nil
            problems.append(error)
        }
        if let problem = Self.validate(mps: mps) { problems.append(problem) }
        guard let e164, problems.isEmpty else {
            throw problems.count == 1 ? problems[0] as any Error : ValidationFailure(problems)
        }
        let mpsText = NSDecimalNumber(decimal: mps).stringValue
        do {
            let added = try await client.withTransaction { connection in
                guard try await connection.query(Self.lockOrganizationQuery(org: org)).first != nil else {
                    throw EngineError(.notFound, "no organization with id \(org)", field: "org")
                }
                if isDefault { try await connection.query(Self.clearDefaultQuery(org: org)) }
                let result = try await connection.query(
                    Self.insertQuery(org: org, e164: e164, mps: mpsText, kind: kind, isDefault: isDefault))
                return try Self.decode(result[0])
            }
            logger.info(
                "sender number added",
                metadata: ["org_id": .id(org), "number_id": .id(added.id), "default": "\(added.isDefault)"])
            return added
        } catch let error as PostgresError
            where error.hasSQLState(.uniqueViolation) && error.constraint == "phone_number_routes_pkey"
        {
            // The number's route (phone_number_routes, written by the phone_numbers trigger) keeps a
            // number in one organization.
            throw EngineError(
                .conflict,
                "this number is already registered (to this or another organization); a number belongs to one organization",
                field: "number")
        }
    }

    /// The org's sender numbers, default first.
    public func list(org: UUID) async throws -> [SenderNumber] {
        try await client.query(Self.listQuery(org: org)).map(Self.decode)
    }

    /// E.164 for long codes and toll-free numbers; 3–8 digits for short codes.
    static func normalize(_ number: String, kind: SenderNumberKind) throws(EngineError) -> String {
        if kind == .shortCode {
            let digits = number.filter { !$0.isWhitespace && $0 != "-" }
            if (3...8).contains(digits.count), digits.allSatisfy(\.isASCIIDigitCharacter), digits.first != "0" {
                return digits
            }
        }
        do {
            return try PhoneNumber.normalize(number)
        } catch {
            throw EngineError(.validationFailed, "is not a valid phone number: \(error.message)", field: "number")
        }
    }

    static func validate(mps: Decimal) -> EngineError? {
        if mps <= 0 || mps >= 10_000_000 || mps.isNaN {
            return EngineError(
                .validationFailed, "must be more than 0 and less than 10000000 messages per second", field: "mps")
        }
        var scaled = mps * 1000
        var rounded = Decimal()
        NSDecimalRound(&rounded, &scaled, 0, .plain)
        if rounded != scaled {
            return EngineError(.validationFailed, "may have at most 3 decimal places", field: "mps")
        }
        return nil
    }

    static func decode(_ row: PostgresRow) throws -> SenderNumber {
        let (id, org, e164, isDefault, mps, kind) = try row.decode((UUID, UUID, String, Bool, String, String).self)
        return SenderNumber(
            id: id, orgID: org, e164: e164, isDefault: isDefault, mps: Decimal(string: mps) ?? 0,
            kind: SenderNumberKind(rawValue: kind) ?? .longCode)
    }
}

extension Character {
    fileprivate var isASCIIDigitCharacter: Bool { isASCII && isNumber }
}
