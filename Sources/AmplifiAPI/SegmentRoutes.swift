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
            let paging = try PageParameters(request)
            let page = try await store.list(orgID: principal.orgID, limit: paging.limit, cursor: paging.cursor)
            return try paging.answer(page.segments, nextCursor: page.nextCursor)
        }
        group.post { request, context in
            let principal = try context.require(.contactsWrite)
            let body = try await request.body.collect(upTo: Self.maxBodyBytes)
            let segment = try await store.create(orgID: principal.orgID, json: Data(body.readableBytesView))
            return try APIResponse.success(segment, status: .created)
        }
        ItemRoutes(
            name: "segment", readScope: .contactsRead, writeScope: .contactsWrite, maxBodyBytes: Self.maxBodyBytes,
            read: { try await store.fetch(orgID: $0, segmentID: $1) }, notFound: { SegmentStore.notFound($0) },
            update: { try await store.update(orgID: $0, segmentID: $1, json: $2) },
            delete: { orgID, id in
                Deleted(
                    id: id.uuidString.lowercased(),
                    waitingCampaigns: try await store.delete(orgID: orgID, segmentID: id))
            }
        ).add(to: group)
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
