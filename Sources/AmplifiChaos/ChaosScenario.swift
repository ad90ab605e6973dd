import AmplifiEngine
import AmplifiPostgres
import Foundation
import Logging

/// The campaigns a chaos run sends, and the data behind them: two organizations, four sender
/// numbers (one of them 1 msg/s), contacts across time zones chosen so that some are inside the
/// legal window for the whole run and some outside it, a few imported opted out or not textable,
/// and six campaigns — an A/B test, one with quiet-hours deferrals, one that runs out of credits,
/// one paused and resumed, one canceled mid-send, and a trickle on the 1 msg/s number.
struct ChaosScenario: Sendable {
    /// One campaign of the run.
    struct Campaign: Sendable {
        let id: UUID
        let orgID: UUID
        let name: String
        let tag: String
        /// Contacts with its tag (each must get a row).
        let audience: Int
        /// The number it sends from.
        let sender: String
    }

    let orgA: UUID
    let orgB: UUID
    let campaigns: [Campaign]
    /// The numbers and their rates.
    let senders: [(number: String, mps: Double)]
    /// Phones imported as not textable.
    let notTextable: Set<String>
    /// Contacts that may send STOP during the run: (phone, the number they reply to).
    let stopCandidates: [(phone: String, to: String)]
    /// Zones chosen as open and closed when the run started.
    let openZones: [String]
    let closedZones: [String]

    /// The campaign named `name`.
    func campaign(_ name: String) -> Campaign? { campaigns.first { $0.name == name } }

    /// The shares of the recipients each campaign gets (the 1 msg/s trickle takes a fixed few).
    static let shares: [(name: String, tag: String, org: Character, share: Double)] = [
        ("ab", "ab", "A", 0.30), ("quiet", "quiet", "A", 0.15), ("pause", "pause", "A", 0.20),
        ("cancel", "cancel", "A", 0.15), ("credits", "credits", "B", 0.20),
    ]
    /// Recipients of the 1 msg/s number's campaign.
    static let trickle = 10

    /// Creates everything over `client`; `span` is how long, from now, the open zones must stay open.
    static func create(
        client: PostgresClient, recipients: Int, windowSeconds: Double, span: TimeInterval, directory: URL,
        seed: UInt64,
        logger: Logger
    ) async throws -> ChaosScenario {
        let now = Date()
        let openZones = ChaosTimeZones.open(at: now, for: span)
        let closedZones = ChaosTimeZones.closed(at: now, for: span)
        guard !openZones.isEmpty else {
            throw ChaosError("no time zone stays inside the send window for \(Int(span)) s")
        }

        // The audience of each campaign, by index ranges.
        var plan: [(name: String, tag: String, org: Character, count: Int)] = shares.map {
            ($0.name, $0.tag, $0.org, max(10, Int(Double(recipients) * $0.share)))
        }
        plan.append(("slow", "slow", "B", trickle))

        // Rates sized so that sending lasts about as long as the fault window.
        func rate(_ messages: Int) -> Double { max(2, (Double(messages) / (windowSeconds * 0.8)).rounded(.up)) }
        let count = Dictionary(plan.map { ($0.name, $0.count) }, uniquingKeysWith: +)
        let senders: [(number: String, mps: Double)] = [
            ("+19195550100", rate((count["ab"] ?? 0) + (count["quiet"] ?? 0) / 2)),
            ("+19195550101", rate((count["pause"] ?? 0) + (count["cancel"] ?? 0))),
            ("+17045550100", rate(count["credits"] ?? 0)), ("+17045550101", 1),
        ]
        /// The number a campaign sends from: the trickle on the 1 msg/s number, org B's other campaign
        /// on its own number, and org A's split over its two.
        func senderNumber(_ name: String, _ org: Character) -> String {
            if name == "slow" { return senders[3].number }
            if org == "B" { return senders[2].number }
            return ["ab", "quiet"].contains(name) ? senders[0].number : senders[1].number
        }
        let organizations = OrganizationStore(client: client, logger: logger)
        let orgA = try await organizations.create(
            name: "Chaos North", timezone: "America/New_York", credits: Int64(recipients * 4))
        let creditsAudience = count["credits"] ?? 0
        // Org B can pay for about 40% of what it sends: it runs out, is topped up and resumed.
        let orgB = try await organizations.create(
            name: "Chaos South", timezone: "America/Chicago", credits: Int64(creditsAudience * 2 / 5))
        // Every campaign of an organization sends at once (the default admits two at a time).
        _ = try await client.query(
            "UPDATE organizations SET max_concurrent_campaigns = 8 WHERE id = \(orgA.id) OR id = \(orgB.id)")
        let numbers = PhoneNumberStore(client: client, logger: logger)
        var senderIDs: [String: UUID] = [:]
        for (index, sender) in senders.enumerated() {
            let org = index < 2 ? orgA.id : orgB.id
            let added = try await numbers.add(
                org: org, number: sender.number, mps: Decimal(sender.mps), isDefault: index % 2 == 0)
            senderIDs[sender.number] = added.id
        }

        // Contacts: one CSV per organization, through the importer.
        var notTextable: Set<String> = []
        var stopCandidates: [(phone: String, to: String)] = []
        var csv: [Character: String] = ["A": Self.header, "B": Self.header]
        var index = 0
        let states = ["NC", "CA", "NY", "FL", "TX", "OK", "IL", "WA"]
        for part in plan {
            for position in 0..<part.count {
                defer { index += 1 }
                let phone = (part.org == "A" ? "+1919" : "+1704") + String(format: "%07d", 2_000_000 + index)
                let zones = part.name == "quiet" && !closedZones.isEmpty && position % 2 == 1 ? closedZones : openZones
                let zone = zones[(index / 3) % zones.count]
                let textable = index % 70 != 3
                let optedOut = index % 50 == 7
                if !textable { notTextable.insert(phone) }
                let sender = senderNumber(part.name, part.org)
                if textable, !optedOut, ["ab", "pause"].contains(part.name), index % 97 == 5 {
                    stopCandidates.append((phone, sender))
                }
                csv[part.org, default: ""] +=
                    "\(phone),Pat\(index % 7),Chaos\(index),\(part.tag),\(states[index % states.count]),"
                    + "\(zone),\(textable),\(optedOut)\n"
            }
        }
        let importer = ContactImporter(client: client, logger: logger)
        for (org, id) in [("A", orgA.id), ("B", orgB.id)] {
            let file = directory.appendingPathComponent("contacts-\(org).csv")
            try (csv[Character(org)] ?? "").write(to: file, atomically: true, encoding: .utf8)
            let report = try await importer.importFile(org: id, path: file.path)
            guard report.rejected == 0 else {
                throw ChaosError("the chaos contacts of org \(org) were rejected on import: \(report.rejected) rows")
            }
        }

        // The campaigns, submitted.
        let store = CampaignStore(client: client, logger: logger)
        var campaigns: [Campaign] = []
        for part in plan {
            let sender = senderNumber(part.name, part.org)
            let org = part.org == "A" ? orgA.id : orgB.id
            var body: [String: Any] = [
                "name": "chaos \(part.name)",
                "message":
                    "[\(part.name)] Hi {{firstName|there}}, this is the \(part.name) campaign of chaos seed \(seed).",
                "contactFilter": ["tags": [part.tag]],
                "fromPhoneNumberId": senderIDs[sender]!.uuidString.lowercased(),
            ]
            if part.name == "ab" {
                body["abTest"] = true
                body["messageVariantA"] = "[ab A] Hi {{firstName|there}}, variant A of chaos seed \(seed)."
                body["messageVariantB"] = "[ab B] {{firstName|Friend}}, variant B of chaos seed \(seed)."
            }
            let json = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
            let campaign = try await store.create(orgID: org, json: json, mode: .submit)
            campaigns.append(
                Campaign(
                    id: campaign.id, orgID: org, name: part.name, tag: part.tag, audience: part.count, sender: sender))
        }
        return ChaosScenario(
            orgA: orgA.id, orgB: orgB.id, campaigns: campaigns, senders: senders, notTextable: notTextable,
            stopCandidates: stopCandidates, openZones: openZones, closedZones: closedZones)
    }

    /// The import header (the product's CSV columns).
    static let header = "phone,firstName,lastName,tags,state,timezone,isTextable,optedOut\n"
}

/// A chaos run could not be set up or carried out.
struct ChaosError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
