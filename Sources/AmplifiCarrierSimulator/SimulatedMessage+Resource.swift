import AmplifiCarriers

extension SimulatedMessage {
    /// The message as Twilio's Message resource (what create, fetch and list answer with).
    func resource(accountSID: String) -> TwilioMessageResource {
        TwilioMessageResource(
            sid: sid, status: status, accountSID: accountSID, messagingServiceSID: messagingServiceSID, from: from,
            to: to, body: body, direction: "outbound-api", numSegments: segments, numMedia: numMedia,
            priceMicros: priceMicros, priceUnit: "USD", errorCode: errorCode,
            errorMessage: errorCode.map(Self.errorMessage), dateCreated: createdAt, dateSent: sentAt,
            dateUpdated: updatedAt, uri: "/2010-04-01/Accounts/\(accountSID)/Messages/\(sid).json")
    }

    /// The short descriptions Twilio gives for the codes the simulator reports.
    static func errorMessage(_ code: Int) -> String {
        switch code {
        case 30003: "Unreachable destination handset"
        case 30005: "Unknown destination handset"
        case 30006: "Landline or unreachable carrier"
        case 30008: "Unknown error"
        default: "Error \(code)"
        }
    }
}
