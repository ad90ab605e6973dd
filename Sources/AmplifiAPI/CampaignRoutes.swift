public import AmplifiEngine
import AmplifiHTTP
import AmplifiMessaging
import Foundation
public import Hummingbird
import Logging
import NIOCore

/// The campaigns endpoints: list, create (or promote a draft), save a draft, read one with its
/// sender and metrics, update a draft, send a test, and the ops controls (pause, resume, cancel,
/// A/B winner).
/// Every query is scoped to the key's organization: another organization's campaign id is 404,
/// never 403 (which would confirm it exists).
public struct CampaignRoutes: Sendable {
    let store: CampaignStore
    let control: CampaignControl
    let abWinner: ABWinnerSelection
    let testSend: CampaignTestSend
    let events: CampaignEventStream
    /// The largest body a campaign request may have.
    static let maxBodyBytes = 256 * 1024

    public init(
        store: CampaignStore, control: CampaignControl, abWinner: ABWinnerSelection, testSend: CampaignTestSend
    ) {
        self.store = store
        self.control = control
        self.abWinner = abWinner
        self.testSend = testSend
        self.events = CampaignEventStream(store: store)
    }

    /// Adds the routes under `group` (mounted at `/api/campaigns`).
    public func add(to group: RouterGroup<APIRequestContext>) {
        group.get { request, context in try await list(request, context) }
        group.post { request, context in try await create(request, context, mode: .submit) }
        group.post("draft") { request, context in try await create(request, context, mode: .draft) }
        group.get(":id") { _, context in
            let principal = try context.require(.campaignsRead)
            let id = try Self.campaignID(context)
            guard let detail = try await store.detail(campaignID: id, orgID: principal.orgID) else {
                throw Self.notFound(id)
            }
            return try APIResponse.success(detail)
        }
        group.get(":id/stats") { _, context in
            let principal = try context.require(.campaignsRead)
            let id = try Self.campaignID(context)
            guard try await store.fetch(campaignID: id, orgID: principal.orgID) != nil else { throw Self.notFound(id) }
            return try APIResponse.success(
                try await CampaignStats.load(client: store.client, campaignID: id, orgID: principal.orgID))
        }
        group.get(":id/events") { _, context in
            let principal = try context.require(.campaignsRead)
            let id = try Self.campaignID(context)
            guard let campaign = try await store.fetch(campaignID: id, orgID: principal.orgID) else {
                throw Self.notFound(id)
            }
            return events.response(first: campaign, orgID: principal.orgID)
        }
        group.patch(":id") { request, context in
            let principal = try context.require(.campaignsWrite)
            let id = try Self.campaignID(context)
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let campaign = try await store.updateDraft(
                orgID: principal.orgID, campaignID: id, json: Data(body.readableBytesView))
            return try APIResponse.success(campaign)
        }
        group.post(":id/test") { request, context in
            let principal = try context.require(.messagesWrite)
            let id = try Self.campaignID(context)
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let test = try TestSendRequest.parse(json: Data(body.readableBytesView))
            let results = try await testSend.send(campaignID: id, orgID: principal.orgID, request: test)
            return try APIResponse.success(
                TestSendAnswer(results: results, creditsCharged: results.reduce(0) { $0 + $1.credits }))
        }
        addControl(group, "pause") { id, orgID, reason in
            try await control.pause(campaignID: id, orgID: orgID, reason: reason ?? "paused_by_ops")
        }
        addControl(group, "resume") { id, orgID, _ in try await control.resume(campaignID: id, orgID: orgID) }
        addControl(group, "cancel") { id, orgID, reason in
            try await control.cancel(campaignID: id, orgID: orgID, reason: reason ?? "canceled_by_ops")
        }
        group.post(":id/ab-winner") { request, context in
            let principal = try context.require(.campaignsControl)
            let id = try Self.campaignID(context)
            guard let variant = try await Self.optionalField("variant", of: request), ["A", "B"].contains(variant)
            else {
                throw EngineErrorTranslation<APIRequestContext>.validation([
                    EngineError(.validationFailed, "must be \"A\" or \"B\"", field: "variant")
                ])
            }
            let released = try await abWinner.choose(campaignID: id, orgID: principal.orgID, variant: variant)
            return try APIResponse.success(WinnerResult(id: id, variant: variant, released: released))
        }
    }

    // MARK: - Handlers

    /// `POST /api/campaigns/{id}/<action>` (scope `campaigns:control`, optional `{"reason"}`): runs
    /// `perform(campaign id, org id, reason)` and answers the campaign's new status.
    func addControl(
        _ group: RouterGroup<APIRequestContext>, _ action: String,
        _ perform: @escaping @Sendable (UUID, UUID, String?) async throws -> CampaignControl.Outcome
    ) {
        group.post(RouterPath(":id/\(action)")) { request, context in
            let principal = try context.require(.campaignsControl)
            let id = try Self.campaignID(context)
            let reason = try await Self.optionalField("reason", of: request)
            let outcome = try await perform(id, principal.orgID, reason)
            return try APIResponse.success(ControlResult(id: id, outcome: outcome))
        }
    }

    func list(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let principal = try context.require(.campaignsRead)
        let query = request.uri.queryParameters
        var problems: [EngineError] = []
        var status: CampaignStatus?
        if let text = query["status"].map(String.init) {
            status = CampaignStatus(rawValue: text)
            if status == nil {
                problems.append(
                    EngineError(
                        .validationFailed,
                        "must be one of " + CampaignStatus.allCases.map(\.rawValue).joined(separator: ", "),
                        field: "status"))
            }
        }
        let paging = PageParameters(request, problems: &problems)
        if !problems.isEmpty { throw EngineErrorTranslation<APIRequestContext>.validation(problems) }
        let page = try await store.list(
            orgID: principal.orgID, status: status, limit: paging.limit, cursor: paging.cursor)
        return try paging.answer(page.campaigns, nextCursor: page.nextCursor)
    }

    func create(_ request: Request, _ context: APIRequestContext, mode: CampaignIntakeMode) async throws -> Response {
        let principal = try context.require(.campaignsWrite)
        let body = try await request.body.collect(upTo: Self.maxBodyBytes)
        let campaign = try await store.create(orgID: principal.orgID, json: Data(body.readableBytesView), mode: mode)
        return try APIResponse.success(campaign, status: .created)
    }

    // MARK: - Helpers

    static func campaignID(_ context: APIRequestContext) throws -> UUID {
        try context.pathID(naming: "campaign")
    }

    static func notFound(_ id: UUID) -> APIError {
        APIError(.notFound, code: .notFound, message: "no campaign \(id.uuidString.lowercased()) in this organization")
    }

    /// A string field of an optional JSON object body (`{}` or no body: nil).
    static func optionalField(_ name: String, of request: Request) async throws -> String? {
        let body = try await request.body.collect(upTo: 16 * 1024)
        guard body.readableBytes > 0 else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any]
        else {
            throw EngineErrorTranslation<APIRequestContext>.validation([
                EngineError(.validationFailed, "must be a JSON object", field: "body")
            ])
        }
        guard let value = object[name] else { return nil }
        guard let text = value as? String else {
            throw EngineErrorTranslation<APIRequestContext>.validation([
                EngineError(.validationFailed, "must be a string", field: name)
            ])
        }
        return text
    }

    /// What a control endpoint answers: the campaign's new status and what the step did.
    struct ControlResult: Encodable {
        var id: String
        var status: String
        var canceledMessages: Int
        var clearedJobs: Int

        init(id: UUID, outcome: CampaignControl.Outcome) {
            self.id = id.uuidString.lowercased()
            self.status = outcome.status.rawValue
            self.canceledMessages = outcome.canceledMessages
            self.clearedJobs = outcome.clearedJobs
        }
    }

    /// What a test send answers: per number, in the request's order, and the credits charged.
    struct TestSendAnswer: Encodable {
        var results: [TestSendResult]
        var creditsCharged: Int
    }

    /// What `ab-winner` answers.
    struct WinnerResult: Encodable {
        var id: String
        var variant: String
        var released: Int

        init(id: UUID, variant: String, released: Int) {
            self.id = id.uuidString.lowercased()
            self.variant = variant
            self.released = released
        }
    }
}
