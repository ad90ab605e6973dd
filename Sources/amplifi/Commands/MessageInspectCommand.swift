import AmplifiMessaging
import ArgumentParser
import Foundation

/// `amplifi message …`: offline tools for message bodies.
struct MessageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "message",
        abstract: "Inspect message bodies: normalization, encoding, segments and credits.",
        subcommands: [MessageInspectCommand.self]
    )
}

/// `amplifi message inspect TEXT`: shows how a body would be sent, without sending anything.
struct MessageInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the normalized text, encoding, segments and credits of a message.",
        discussion: """
            Characters are counted in UTF-16 code units, the unit of the 1,600 limit. Routing: media \
            always means MMS; AUTO sends MMS only when the text would cost more as SMS than as one MMS \
            (more than 2 segments, e.g. a long text with emoji), SMS otherwise. Exits with status 64 \
            when the body or an option is invalid.
            """
    )

    @Argument(help: "The message body (merge fields are not rendered).")
    var text: String

    @Option(name: .customLong("media-url"), help: "Public URL of media to attach (sends as MMS).")
    var mediaURL: String?

    @Option(
        name: .customLong("force-route"),
        help: "Routing: AUTO (MMS when cheaper than a 3+ segment SMS), SMS or MMS (media always means MMS).")
    var forceRoute: String = ForceRoute.auto.rawValue

    @Flag(name: .customLong("no-normalize"), help: "Do not replace smart quotes, dashes and similar characters.")
    var noNormalize = false

    @Flag(help: "Print a stable JSON object instead of text.")
    var json = false

    func run() throws {
        let plan: MessagePlan
        do {
            plan = try MessagePlanner.plan(
                body: text,
                mediaURL: mediaURL,
                forceRoute: try ForceRoute(parsing: forceRoute),
                normalizeText: !noNormalize,
                includeSegments: true
            )
        } catch {
            // The message names the problem and the field; it never repeats the body.
            FileHandle.standardError.write(Data("error: \(error.description)\n".utf8))
            throw ExitCode.validationFailure
        }
        let chosenByAuto = mediaURL == nil && (try? ForceRoute(parsing: forceRoute)) == .auto
        print(json ? try Self.json(plan) : Self.humanReadable(plan, chosenByAuto: chosenByAuto))
    }

    /// The JSON document: keys sorted, so the output is stable.
    static func json(_ plan: MessagePlan) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(InspectReport(plan))
        return String(decoding: data, as: UTF8.self)
    }

    /// Why AUTO chose MMS for a text without media.
    static func routeReason(_ plan: MessagePlan, chosenByAuto: Bool) -> String {
        chosenByAuto && plan.route == .mms
            ? " (as SMS it would need more than \(CreditCost.mmsCredits) segments; one MMS costs \(CreditCost.mmsCredits) credits)"
            : ""
    }

    /// The report for a person.
    static func humanReadable(_ plan: MessagePlan, chosenByAuto: Bool = false) -> String {
        var lines: [String] = []
        lines.append("Text:       \(plan.text)")
        lines.append("Normalized: \(plan.normalized ? "yes (characters were replaced)" : "no")")
        lines.append("Encoding:   \(plan.encoding.rawValue)")
        lines.append("Route:      \(plan.route.rawValue)\(Self.routeReason(plan, chosenByAuto: chosenByAuto))")
        lines.append(
            "Characters: \(plan.characterCount) (UTF-16 code units; limit \(MessagePlanner.maximumBodyLength))")
        lines.append("Segments:   \(plan.segmentCount)")
        for (number, segment) in plan.segments.enumerated() {
            lines.append("  [\(number + 1)] \(segment)")
        }
        lines.append("Credits:    \(plan.credits)")
        return lines.joined(separator: "\n")
    }
}

/// The `--json` shape of `amplifi message inspect`.
private struct InspectReport: Encodable {
    let text: String
    let encoding: String
    let route: String
    let segmentCount: Int
    let segments: [String]
    let credits: Int
    let characters: Int
    let normalized: Bool

    init(_ plan: MessagePlan) {
        text = plan.text
        encoding = plan.encoding.rawValue
        route = plan.route.rawValue
        segmentCount = plan.segmentCount
        segments = plan.segments
        credits = plan.credits
        characters = plan.characterCount
        normalized = plan.normalized
    }
}
