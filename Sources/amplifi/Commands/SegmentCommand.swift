import AmplifiEngine
import ArgumentParser
import Foundation
import Logging

/// `amplifi segment`: an organization's saved contact filters, the CLI twin of `/api/segments`.
struct SegmentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "segment",
        abstract: "Manage an organization's segments (saved contact filters for campaigns' segmentId).",
        subcommands: [Create.self, List.self, Show.self, Delete.self])

    /// The options every subcommand shares: the database and the organization.
    struct Target: ParsableArguments {
        @OptionGroup var database: DatabaseOptions

        @Option(help: ArgumentHelp("The organization's id (or its exact name).", valueName: "org"))
        var org: String

        @Flag(help: "Print the result as JSON.")
        var json = false

        /// Runs `body` with the segment store and the organization's id, reporting engine errors.
        func run(_ body: @escaping (SegmentStore, UUID) async throws -> Void) async throws {
            try await runReportingErrors(database: database) { client in
                let organization = try await OrganizationStore(client: client).resolve(org)
                try await body(SegmentStore(client: client, logger: Logger(label: "amplifi.segment")), organization.id)
            }
        }
    }

    /// `amplifi segment create --org ORG --name N --filter JSON`: prints the new segment's id.
    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Save a segment; prints its id.",
            discussion: """
                The filter is a campaign's contactFilter, e.g. '{"tags": ["vip"], "state": ["NC", "SC"]}' \
                ('{}' matches every contact). It is validated now, so a campaign on the segment plans.
                """)

        @OptionGroup var target: Target

        @Option(help: "The segment's name.")
        var name: String

        @Option(help: ArgumentHelp("The contact filter, as JSON.", valueName: "json"))
        var filter: String

        func run() async throws {
            // The body /api/segments takes, so both check it the same way.
            guard let object = try? JSONSerialization.jsonObject(with: Data(filter.utf8), options: .fragmentsAllowed)
            else {
                throw ValidationError("--filter is not JSON: write it like '{\"tags\": [\"vip\"]}'")
            }
            let body = try JSONSerialization.data(withJSONObject: ["name": name, "filter": object])
            try await target.run { store, org in
                let segment = try await store.create(orgID: org, json: body)
                print(target.json ? try CommandJSON.encode(segment) : segment.id.uuidString.lowercased())
            }
        }
    }

    /// `amplifi segment list --org ORG`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the organization's segments, newest first.")

        @OptionGroup var target: Target

        func run() async throws {
            try await target.run { store, org in
                var segments: [Segment] = []
                var cursor: String?
                repeat {
                    let page = try await store.list(orgID: org, limit: 200, cursor: cursor)
                    segments += page.segments
                    cursor = page.nextCursor
                } while cursor != nil
                if target.json {
                    print(try CommandJSON.encode(segments))
                } else if segments.isEmpty {
                    print("no segments (create one with `amplifi segment create`)")
                } else {
                    for segment in segments {
                        print("\(segment.id.uuidString.lowercased())  \(segment.name)  \(segment.filter.jsonText)")
                    }
                }
            }
        }
    }

    /// `amplifi segment show --org ORG ID`: the filter and what it matches now.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a segment: its filter, how many contacts it matches and how many a campaign would text.")

        @OptionGroup var target: OneSegment

        func run() async throws {
            try await target.run { store, org, id in
                guard let segment = try await store.fetch(orgID: org, segmentID: id) else {
                    throw SegmentStore.notFound(id)
                }
                let preview = try await store.preview(orgID: org, segmentID: id)
                if target.target.json {
                    print(try CommandJSON.encode(Shown(segment: segment, preview: preview)))
                    return
                }
                print("segment \(segment.id.uuidString.lowercased())")
                print("  name:     \(segment.name)")
                print("  filter:   \(segment.filter.jsonText)")
                print("  matches:  \(preview.count) contacts, \(preview.sendable) a campaign would text")
            }
        }

        /// `show --json`: the segment and its preview.
        struct Shown: Encodable {
            var segment: Segment
            var preview: SegmentPreview
        }
    }

    /// `amplifi segment delete --org ORG ID`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a segment.",
            discussion: """
                Campaigns still waiting on it (drafts, scheduled, pending) fail when planned, with a reason \
                naming the segment, unless given another audience first; the command says how many there are.
                """)

        @OptionGroup var target: OneSegment

        func run() async throws {
            try await target.run { store, org, id in
                let waiting = try await store.delete(orgID: org, segmentID: id)
                print("deleted \(id.uuidString.lowercased()); campaigns still waiting on it: \(waiting)")
            }
        }
    }

    /// ``Target`` and one segment's id (`show`, `delete`).
    struct OneSegment: ParsableArguments {
        @OptionGroup var target: Target

        @Argument(
            help: "The segment's id.",
            transform: { text in
                guard let id = UUID(uuidString: text) else {
                    throw ValidationError("\"\(text)\" is not a segment id (a UUID)")
                }
                return id
            })
        var id: UUID

        /// Runs `body` with the store, the organization's id and the segment's id.
        func run(_ body: @escaping (SegmentStore, UUID, UUID) async throws -> Void) async throws {
            try await target.run { [id] store, org in try await body(store, org, id) }
        }
    }
}
