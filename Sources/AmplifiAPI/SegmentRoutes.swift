public import AmplifiEngine
import AmplifiHTTP
import Foundation
public import Hummingbird

/// The segments endpoints: saved, named contact filters (scopes `contacts:read` and
/// `contacts:write`). A filter is validated when saved, with the planner's parser; a preview
/// counts what the segment matches now. Deleting is soft: a campaign still waiting on the segment
/// fails with a reason when it is planned, and the answer says how many such campaigns there are.
public struct SegmentRoutes: Sendable {
    let store: SegmentStore
    /// The largest body a segment request may have.
    static let maxBodyBytes = 64 * 1024

    public init(store: SegmentStore) {
        self.store = store
    }

    /// Adds the routes under `group` (mounted at `/api/segments`).
    public func add(to group: RouterGroup<APIRequestContext>) {
        group.get { request, context in
            let principal = try context.require(.contactsRead)
            var problems: [EngineError] = []
            let paging = PageParameters(request, problems: &problems)
            if !problems.isEmpty { throw EngineErrorTranslation<APIRequestContext>.validation(problems) }
            let page = try await store.list(orgID: principal.orgID, limit: paging.limit, cursor: paging.cursor)
            return try APIResponse.success(
                page.segments, meta: APIResponse.PageMeta(limit: paging.limit, nextCursor: page.nextCursor))
        }
        group.post { request, context in
            let principal = try context.require(.contactsWrite)
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let segment = try await store.create(orgID: principal.orgID, json: Data(body.readableBytesView))
            return try APIResponse.success(segment, status: .created)
        }
        group.get(":id") { _, context in
            let principal = try context.require(.contactsRead)
            let id = try context.pathID(naming: "segment")
            guard let segment = try await store.fetch(orgID: principal.orgID, segmentID: id) else {
                throw SegmentStore.notFound(id)
            }
            return try APIResponse.success(segment)
        }
        group.patch(":id") { request, context in
            let principal = try context.require(.contactsWrite)
            let id = try context.pathID(naming: "segment")
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            return try APIResponse.success(
                try await store.update(orgID: principal.orgID, segmentID: id, json: Data(body.readableBytesView)))
        }
        group.delete(":id") { _, context in
            let principal = try context.require(.contactsWrite)
            let id = try context.pathID(naming: "segment")
            let waiting = try await store.delete(orgID: principal.orgID, segmentID: id)
            return try APIResponse.success(Deleted(id: id.uuidString.lowercased(), waitingCampaigns: waiting))
        }
        group.get(":id/preview") { _, context in
            let principal = try context.require(.contactsRead)
            let id = try context.pathID(naming: "segment")
            return try APIResponse.success(try await store.preview(orgID: principal.orgID, segmentID: id))
        }
    }

    /// What a delete answers: the segment's id and the campaigns still waiting on it (drafts,
    /// scheduled or pending), which fail when planned unless given another audience.
    struct Deleted: Encodable {
        var id: String
        var deleted = true
        var waitingCampaigns: Int
    }
}
