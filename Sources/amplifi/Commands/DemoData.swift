import AmplifiChaos
import Foundation

/// The demo organization's data: a contacts CSV in the product's import format and
/// an A/B campaign body as `POST /api/campaigns` takes it.
enum DemoData {
    /// The US zones the demo prefers, east to west.
    static let usZones = [
        "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles",
    ]

    /// Five recipient time zones for a demo starting at `now`: four inside the legal send window
    /// (08:00–21:00 local) for the next `span` seconds and one outside it, so the demo sends
    /// whatever the hour and still shows quiet hours deferring a fifth of the audience. US zones
    /// come first; at night in the US the open ones are elsewhere on the globe.
    static func recipientZones(at now: Date, for span: TimeInterval) -> [String] {
        let usFirst = { (zones: [String]) in
            zones.filter { usZones.contains($0) } + zones.filter { !usZones.contains($0) }
        }
        let open = usFirst(ChaosTimeZones.open(at: now, for: span))
        let closed = usFirst(ChaosTimeZones.closed(at: now, for: span))
        guard !open.isEmpty, let outside = closed.first else { return usZones }
        return (0..<4).map { open[$0 % open.count] } + [outside]
    }

    /// Writes `count` contacts spread over `zones` and several states, every 25th opted out,
    /// every 40th not textable, every 60th still awaiting its lookup, a custom field.
    static func writeContacts(count: Int, zones: [String], to url: URL) throws {
        let states = ["NC", "IL", "CO", "CA", "AZ", "FL", "OK", "NY"]
        let names = ["Jane", "Omar", "Lucía", "Wei", "Aisha", "Tom", "Priya", "Jonas", "Mei", "Carlos"]
        var text = "phone,firstName,lastName,email,state,zip,tags,timezone,isTextable,optedOut,team\n"
        text.reserveCapacity(count * 96)
        for index in 0..<count {
            let phone = "+1919\(String(format: "%07d", 2_000_000 + index))"
            let textable = index % 60 == 7 ? "" : (index % 40 == 3 ? "false" : "true")
            let optedOut = index % 25 == 11 ? "true" : "false"
            let tags = index % 3 == 0 ? "donor;vip" : "donor"
            text += "\(phone),\(names[index % names.count]),Demo\(index),demo\(index)@example.org,"
            text += "\(states[index % states.count]),27\(String(format: "%03d", index % 1000)),\(tags),"
            text += "\(zones[index % zones.count]),\(textable),\(optedOut),team-\(index % 4)\n"
        }
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// The demo campaign: an A/B test with merge fields, to every donor.
    static let campaignBody = """
        {
          "name": "Spring match drive",
          "message": "Hi {{firstName|there}}, gifts are matched 2:1 until Friday. Give: https://amp.li/s",
          "contactFilter": { "tags": ["donor"] },
          "abTest": true,
          "messageVariantA": "Hi {{firstName|there}}, our spring drive ends Friday — every gift is matched 2:1. https://amp.li/s",
          "messageVariantB": "{{firstName|Friend}}, 48 hours left: gifts are matched 2:1 until Friday ({{team}}). https://amp.li/s 💚",
          "timezone": "America/New_York",
          "normalizeText": true,
          "autoReply": true,
          "yesResponse": "Thank you, {{firstName|friend}}! Your gift will be matched 2:1 until Friday.",
          "noResponse": "Understood - thanks for being part of our community."
        }
        """
}
