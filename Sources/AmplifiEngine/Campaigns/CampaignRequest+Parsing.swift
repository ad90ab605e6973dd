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
        var reader: JSONFieldReader
        switch JSONFieldReader.object(json, what: "campaign") {
        case .success(let object): reader = object
        case .failure(let problem): return (CampaignRequest(), [problem])
        }
        reader.rejectUnknownMembers(known: knownKeys, what: "campaign")
        func problem(_ field: String, _ message: String) { reader.problem(field, message) }
        func present(_ key: String) -> CampaignJSON? { reader.present(key) }
        func string(_ key: String) -> String? { reader.string(key) }
        func bool(_ key: String) -> Bool? { reader.bool(key) }
        func uuid(_ key: String) -> UUID? { reader.uuid(key) }

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
        return (request, reader.problems)
    }
}
