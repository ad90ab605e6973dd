import AmplifiEngine
import Foundation
import Hummingbird

/// The `/{id}` routes every saved resource has (segments, contacts): read it (404 when it is not
/// the organization's), update it from a JSON body, delete it. Each checks its scope first and
/// answers in the success envelope.
struct ItemRoutes<Item: Encodable & Sendable, Deletion: Encodable & Sendable>: Sendable {
    /// What the resource is called in a 404 ("contact").
    var name: String
    var readScope: APIScope
    var writeScope: APIScope
    var maxBodyBytes: Int
    /// The item of an organization, or nil.
    var read: @Sendable (_ orgID: UUID, _ id: UUID) async throws -> Item?
    /// The error for an id that finds nothing.
    var notFound: @Sendable (_ id: UUID) -> any Error
    /// Applies a JSON body to the item; returns it.
    var update: @Sendable (_ orgID: UUID, _ id: UUID, _ json: Data) async throws -> Item
    /// Deletes the item; returns what the answer says about it.
    var delete: @Sendable (_ orgID: UUID, _ id: UUID) async throws -> Deletion

    /// Adds `GET`, `PATCH` and `DELETE` of `:id` to `group`.
    func add(to group: RouterGroup<APIRequestContext>) {
        group.get(":id") { _, context in
            let principal = try context.require(readScope)
            let id = try context.pathID(naming: name)
            guard let item = try await read(principal.orgID, id) else { throw notFound(id) }
            return try APIResponse.success(item)
        }
        group.patch(":id") { request, context in
            let principal = try context.require(writeScope)
            let id = try context.pathID(naming: name)
            let body = try await request.body.collect(upTo: maxBodyBytes)
            return try APIResponse.success(try await update(principal.orgID, id, Data(body.readableBytesView)))
        }
        group.delete(":id") { _, context in
            let principal = try context.require(writeScope)
            let id = try context.pathID(naming: name)
            return try APIResponse.success(try await delete(principal.orgID, id))
        }
    }
}
