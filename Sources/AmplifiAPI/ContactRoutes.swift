public import AmplifiEngine
import AmplifiHTTP
import AmplifiMessaging
import Foundation
public import Hummingbird

/// The contacts endpoints (scopes `contacts:read` and `contacts:write`): list with the campaign
/// planner's filter (or a saved segment's), read, create or merge on the phone, update, delete
/// (anonymize; an opted-out phone stays suppressed), and opt a contact out or back in by hand
/// (recorded with the key that did it; an opt-in needs the consent's `source`).
public struct ContactRoutes: Sendable {
    let store: ContactStore
    let segments: SegmentStore
    /// The largest body a contact request may have.
    static let maxBodyBytes = 64 * 1024
    /// The query parameters that filter (the filter language's keys), besides paging and sorting.
    static let filterParameters = ContactFilter.knownKeys

    public init(store: ContactStore, segments: SegmentStore) {
        self.store = store
        self.segments = segments
    }

    /// Adds the routes under `group` (mounted at `/api/contacts`).
    public func add(to group: RouterGroup<APIRequestContext>) {
        group.get { request, context in try await list(request, context) }
        group.post { request, context in
            let principal = try context.require(.contactsWrite)
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let (contact, created) = try await store.createOrMerge(
                orgID: principal.orgID, json: Data(body.readableBytesView))
            return try APIResponse.success(
                Written(contact: contact, outcome: created ? "created" : "merged"), status: created ? .created : .ok)
        }
        for (action, change) in [("opt-out", ContactStore.ConsentChange.optOut), ("opt-in", .optIn)] {
            group.post(RouterPath(":id/\(action)")) { request, context in
                let principal = try context.require(.contactsWrite)
                let id = try context.pathID(naming: "contact")
                let field = change == .optIn ? "source" : "reason"
                let source = try await CampaignRoutes.optionalField(field, of: request)
                let (contact, _) = try await store.changeConsent(
                    orgID: principal.orgID, contactID: id, change: change, source: source,
                    actor: "api_key:\(principal.keyID.uuidString.lowercased())")
                return try APIResponse.success(contact)
            }
        }
        group.get(":id/messages") { request, context in
            let principal = try context.require(.contactsRead)
            let id = try context.pathID(naming: "contact")
            let paging = try PageParameters(request)
            let page = try await store.history(
                orgID: principal.orgID, contactID: id, limit: paging.limit, cursor: paging.cursor)
            return try paging.answer(page.entries, nextCursor: page.nextCursor)
        }
        ItemRoutes(
            name: "contact", readScope: .contactsRead, writeScope: .contactsWrite, maxBodyBytes: Self.maxBodyBytes,
            read: { try await store.fetch(orgID: $0, contactID: $1) }, notFound: { ContactStore.notFound($0) },
            update: { try await store.update(orgID: $0, contactID: $1, json: $2) },
            delete: { orgID, id in
                try await store.delete(orgID: orgID, contactID: id)
                return Deleted(id: id.uuidString.lowercased())
            }
        ).add(to: group)
    }

    /// `GET /api/contacts`: the filter parameters (`search`, `tags` + `tagsLogic`, `isTextable`,
    /// `optedOut`, `hasEmail`, `hasPhone`, `state`, `zip`) or `segmentId` (which overrides them),
    /// `sort` (`updated_at` or `created_at`), `limit`, `cursor`, `offset`, `includeTotal`.
    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.contactsRead)
        let query = request.uri.queryParameters
        var problems: [EngineError] = []
        let paging = PageParameters(request, problems: &problems)
        var object: [String: Any] = [:]
        for key in Self.filterParameters {
            if let value = query[Substring(key)] { object[key] = String(value) }
        }
        var filter = ContactFilter()
        switch ContactFilter.parse(object: object, field: "") {
        case .success(let parsed): filter = parsed
        case .failure(let failure): problems += failure.problems
        }
        var sort = ContactStore.Sort.updatedAt
        if let text = query["sort"] {
            if let parsed = ContactStore.Sort(rawValue: String(text)) {
                sort = parsed
            } else {
                problems.append(EngineError(.validationFailed, "must be updated_at or created_at", field: "sort"))
            }
        }
        var offset = 0
        if let text = query["offset"] {
            if let value = Int(text), value >= 0 {
                offset = value
            } else {
                problems.append(EngineError(.validationFailed, "must be a whole number, 0 or more", field: "offset"))
            }
        }
        let includeTotal = query["includeTotal"].map { $0 == "true" } ?? false
        if let text = query["segmentId"] {
            if let id = UUID(uuidString: String(text)) {
                if let segment = try await segments.fetch(orgID: principal.orgID, segmentID: id) {
                    filter = segment.filter
                } else {
                    problems.append(
                        EngineError(.validationFailed, "no segment \(text) in this organization", field: "segmentId"))
                }
            } else {
                problems.append(EngineError(.validationFailed, "must be a segment id (a UUID)", field: "segmentId"))
            }
        }
        if !problems.isEmpty { throw EngineErrorTranslation<APIRequestContext>.validation(problems) }
        let page = try await store.list(
            orgID: principal.orgID, filter: filter, sort: sort, limit: paging.limit, cursor: paging.cursor,
            offset: offset, includeTotal: includeTotal)
        return try paging.answer(page.contacts, nextCursor: page.nextCursor, total: page.total)
    }

    /// What a create answers: the contact, and `_outcome` `created` (201) or `merged` (200).
    struct Written: Encodable {
        var contact: Contact
        var outcome: String

        enum CodingKeys: String, CodingKey { case outcome = "_outcome" }

        func encode(to encoder: any Encoder) throws {
            try contact.encode(to: encoder)
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(outcome, forKey: .outcome)
        }
    }

    /// What a delete answers.
    struct Deleted: Encodable {
        var id: String
        var deleted = true
    }
}
