import AmplifiMessaging
public import Foundation

extension CampaignRequest {
    /// Parses a campaign body from raw JSON; throws every problem at once (unknown keys,
    /// wrong JSON types, malformed UUIDs), each naming its field.
    public static func parse(json: Data) throws(ValidationFailure) -> CampaignRequest {
        let (request, problems) = parseCollectingProblems(json: json)
        if !problems.isEmpty { throw ValidationFailure(problems) }
        return request
    }

    /// Parses what can be parsed and returns the problems beside it, so that intake can
    /// add the rule violations of the well-typed fields and report everything together.
    /// A field with the wrong type is left absent in the returned request.
    public static func parseCollectingProblems(json: Data) -> (request: CampaignRequest, problems: [EngineError]) {
        if JSONNesting.exceeds(JSONNesting.campaignBodyLimit, in: json) {
            return (
                CampaignRequest(),
                [
                    EngineError(
                        .validationFailed,
                        "nests arrays or objects more than \(JSONNesting.campaignBodyLimit) levels deep; flatten it",
                        field: "body")
                ]
            )
        }
        guard let value = try? JSONDecoder().decode(CampaignJSON.self, from: json), case .object(let object) = value
        else {
            return (
                CampaignRequest(),
                [EngineError(.validationFailed, "the campaign body must be a JSON object", field: "body")]
            )
        }
        var problems: [EngineError] = []
        func problem(_ field: String, _ message: String) {
            problems.append(EngineError(.validationFailed, message, field: field))
        }
        for key in object.keys.sorted() where !knownKeys.contains(key) {
            let known = "known fields: \(knownKeys.sorted().joined(separator: ", "))"
            if key.isEmpty {
                problem("body", "has a member with an empty name; remove it (\(known))")
            } else {
                problem(key, "is not a campaign field; remove it (\(known))")
            }
        }
        /// The value of `key` unless absent or null.
        func present(_ key: String) -> CampaignJSON? {
            guard let value = object[key], value != .null else { return nil }
            return value
        }
        func string(_ key: String) -> String? {
            guard let value = present(key) else { return nil }
            if case .string(let text) = value { return text }
            problem(key, "must be a string, got \(value.typeName)")
            return nil
        }
        func bool(_ key: String) -> Bool? {
            guard let value = present(key) else { return nil }
            if case .bool(let flag) = value { return flag }
            problem(key, "must be true or false, got \(value.typeName)")
            return nil
        }
        func uuid(_ key: String) -> UUID? {
            guard let text = string(key) else { return nil }
            if let id = UUID(uuidString: text.trimmingCharacters(in: .whitespaces)) { return id }
            problem(key, "must be a UUID such as 3f2b8c1e-5d4a-4c1b-9a7e-2f6d8e9b0c1a")
            return nil
        }

        var request = CampaignRequest()
        request.name = string("name")
        request.message = string("message")
        request.segmentID = uuid("segmentId")
        if let filter = present("contactFilter") {
            if case .object = filter {
                request.contactFilter = filter.data
            } else {
                problem("contactFilter", "must be a JSON object such as {\"tags\": [\"vip\"]}, got \(filter.typeName)")
            }
        }
        request.fromPhoneNumberID = uuid("fromPhoneNumberId")
        request.scheduledFor = string("scheduledFor")
        request.timezone = string("timezone")
        request.mediaURL = string("mediaUrl")
        request.forceRoute = string("forceRoute")
        request.channel = string("channel")
        request.normalizeText = bool("normalizeText")
        request.abTest = bool("abTest")
        request.messageVariantA = string("messageVariantA")
        request.messageVariantB = string("messageVariantB")
        request.autoReply = bool("autoReply")
        request.yesResponse = string("yesResponse")
        request.noResponse = string("noResponse")
        if let faqs = present("faqReplies") {
            if case .array(let items) = faqs {
                var replies: [FAQReply] = []
                var wellTyped = true
                for (index, item) in items.enumerated() {
                    let field = "faqReplies[\(index)]"
                    guard case .object(let pair) = item else {
                        problem(
                            field, "must be an object {\"question\": \"…\", \"answer\": \"…\"}, got \(item.typeName)")
                        wellTyped = false
                        continue
                    }
                    for key in pair.keys.sorted() where key != "question" && key != "answer" {
                        problem("\(field).\(key)", "is not an FAQ field; use question and answer")
                        wellTyped = false
                    }
                    var texts: [String] = []
                    for key in ["question", "answer"] {
                        switch pair[key] {
                        case .string(let text)?: texts.append(text)
                        case nil, .null?:
                            problem("\(field).\(key)", "is required")
                            wellTyped = false
                        case let other?:
                            problem("\(field).\(key)", "must be a string, got \(other.typeName)")
                            wellTyped = false
                        }
                    }
                    if texts.count == 2 { replies.append(FAQReply(question: texts[0], answer: texts[1])) }
                }
                if wellTyped { request.faqReplies = replies }
            } else {
                problem("faqReplies", "must be an array of {\"question\", \"answer\"} objects, got \(faqs.typeName)")
            }
        }
        request.draftID = uuid("draftId")
        return (request, problems)
    }
}
