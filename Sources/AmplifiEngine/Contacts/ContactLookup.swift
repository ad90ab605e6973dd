public import AmplifiCarriers
import AmplifiMessaging
public import AmplifiPostgres
public import Foundation
public import Logging

/// Resolves `is_textable` of an organization's lookup-pending contacts (`is_textable IS NULL`, not
/// deleted) through the carrier's line-type lookup.
///
/// Keyset pages by contact id (memory stays flat whatever the contact count), lookups of a page
/// run with bounded concurrency, and each page is written back in ONE statement (arrays + unnest).
/// A number the carrier cannot resolve (no answer, or an error) stays pending and is counted;
/// errors never stop the run.
public struct ContactLookup: Sendable {
    let client: PostgresClient
    let carrier: any Carrier
    let pageSize: Int
    let logger: Logger

    /// A lookup over `client` asking `carrier`, `pageSize` contacts per page.
    public init(client: PostgresClient, carrier: any Carrier, pageSize: Int = 500, logger: Logger) {
        self.client = client
        self.carrier = carrier
        self.pageSize = max(1, pageSize)
        self.logger = logger
    }

    // MARK: - SQL

    // Keyset page over contacts_pkey (org_id, id): `id > cursor ORDER BY id LIMIT n` costs
    // the same on page 1 and page 10,000. Phone-less contacts are left out (nothing to look up;
    // the planner skips them as no_phone).
    static func pageQuery(orgID: UUID, after cursor: UUID?, limit: Int) -> PostgresQuery {
        """
        SELECT id, phone FROM contacts
        WHERE org_id = \(orgID) AND id > coalesce(\(cursor)::uuid, '00000000-0000-0000-0000-000000000000'::uuid)
          AND is_textable IS NULL AND deleted_at IS NULL AND phone IS NOT NULL
        ORDER BY id
        LIMIT \(limit)
        """
    }

    // One statement per page. `is_textable IS NULL` and the phone guard keep a value set meanwhile
    // (an import, a carrier 21614 from the sender) or a changed number from being overwritten with
    // the answer for the old number. A page of the background lookup spans organizations, so each
    // row carries its own.
    static func updateQuery(_ answers: [LookupAnswer]) -> PostgresQuery {
        """
        UPDATE contacts c SET is_textable = r.textable
        FROM unnest(\(UUIDArrayParameter(ids: answers.map(\.contact.orgID)))::uuid[],
                    \(UUIDArrayParameter(ids: answers.map(\.contact.id)))::uuid[],
                    \(answers.map(\.contact.phone))::text[], \(answers.map(\.textable))::boolean[])
             AS r(org_id, id, phone, textable)
        WHERE c.org_id = r.org_id AND c.id = r.id AND c.phone = r.phone
          AND c.is_textable IS NULL AND c.deleted_at IS NULL
        """
    }

    /// A contact to look up.
    struct PendingContact: Sendable {
        var orgID: UUID
        var id: UUID
        var phone: String
    }

    /// The carrier's verdict on one contact's number.
    struct LookupAnswer: Sendable {
        var contact: PendingContact
        var textable: Bool
    }

    // MARK: - API

    /// Looks up at most `limit` (nil: all) pending contacts of `orgID`, `concurrency` lookups at a time.
    public func run(orgID: UUID, limit: Int? = nil, concurrency: Int = 8) async throws -> ContactLookupReport {
        let started = ContinuousClock.now
        let width = max(1, concurrency)
        var report = ContactLookupReport()
        var cursor: UUID?
        while true {
            let remaining = limit.map { $0 - report.lookedUp } ?? pageSize
            guard remaining > 0 else { break }
            let rows = try await client.query(
                Self.pageQuery(orgID: orgID, after: cursor, limit: min(pageSize, remaining)))
            guard !rows.isEmpty else { break }
            var page: [PendingContact] = []
            page.reserveCapacity(rows.count)
            for row in rows {
                let (id, phone) = try row.decode((UUID, String).self)
                page.append(PendingContact(orgID: orgID, id: id, phone: phone))
            }
            cursor = page.last?.id
            let unresolved = try await lookUpAndWrite(page, width: width, into: &report)
            logger.debug(
                "lookup page written",
                metadata: [
                    "org_id": .id(orgID), "contacts": "\(page.count)", "resolved": "\(page.count - unresolved.count)",
                ])
        }
        report.elapsedSeconds = (ContinuousClock.now - started).asSeconds
        logger.info(
            "contact lookup finished",
            metadata: [
                "org_id": .id(orgID), "looked_up": "\(report.lookedUp)", "textable": "\(report.textable)",
                "not_textable": "\(report.notTextable)", "unresolved": "\(report.unresolved)",
            ])
        return report
    }

    /// Looks up `page` (`width` at a time), counts the answers into `report`, writes the resolved ones
    /// back in one statement and returns the contacts left unresolved.
    @discardableResult
    func lookUpAndWrite(_ page: [PendingContact], width: Int, into report: inout ContactLookupReport) async throws
        -> [PendingContact]
    {
        let answers = await lookUp(page.map(\.phone), width: width)
        var resolved: [LookupAnswer] = []
        var unresolved: [PendingContact] = []
        for (contact, answer) in zip(page, answers) {
            switch answer {
            case .success(let lineType?):
                resolved.append(LookupAnswer(contact: contact, textable: lineType.isTextable))
                if lineType.isTextable { report.textable += 1 } else { report.notTextable += 1 }
            case .success(nil):
                unresolved.append(contact)
            case .failure(let failure):
                unresolved.append(contact)
                report.errors[failure.code, default: 0] += 1
            }
        }
        report.unresolved += unresolved.count
        report.lookedUp += page.count
        if !resolved.isEmpty { try await client.query(Self.updateQuery(resolved)) }
        return unresolved
    }

    /// Looks up `phones` with at most `width` in flight; answers in input order (an error as its code).
    func lookUp(_ phones: [String], width: Int) async -> [Result<LineType?, LookupFailure>] {
        var answers = [Result<LineType?, LookupFailure>](repeating: .success(nil), count: phones.count)
        let carrier = carrier
        await withTaskGroup(of: (Int, Result<LineType?, LookupFailure>).self) { group in
            var next = 0
            func start() {
                let position = next
                let phone = PhoneNumber(trustedE164: phones[position])
                group.addTask {
                    do {
                        return (position, .success(try await carrier.lookupLineType(phone)))
                    } catch let error as CarrierError {
                        return (position, .failure(LookupFailure(code: error.code)))
                    } catch {
                        return (position, .failure(LookupFailure(code: "lookup_failed")))
                    }
                }
                next += 1
            }
            while next < min(width, phones.count) { start() }
            while let (position, answer) = await group.next() {
                answers[position] = answer
                if next < phones.count { start() }
            }
        }
        return answers
    }

    /// A failed lookup, by error code.
    struct LookupFailure: Error {
        var code: String
    }
}
