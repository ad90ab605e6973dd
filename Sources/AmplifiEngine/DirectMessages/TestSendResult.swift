import AmplifiCarriers
public import AmplifiMessaging

/// What a test send did for one number: the text as sent, how it was priced, and the carrier's
/// answer (its message id, or why it was not sent).
public struct TestSendResult: Sendable, Equatable, Encodable {
    /// Why a number's message was not sent.
    public struct Failure: Sendable, Equatable, Encodable {
        /// A carrier error code (`21211`, …) or `INSUFFICIENT_CREDITS`.
        public var code: String
        /// What it means, for a person.
        public var message: String
    }

    /// The recipient (E.164).
    public var phoneNumber: String
    /// `sent` (the carrier accepted it), `failed`, `pending` (the number's rate budget was booked
    /// further ahead than a request waits: it goes out shortly, with no further request), or
    /// `unknown` (the carrier's answer was lost: it may have been sent, and is never resent).
    public var status: ReplyStatus
    /// The rendered, normalized text.
    public var text: String
    /// `GSM-7` or `UCS-2`.
    public var encoding: MessageEncoding
    /// `SMS` or `MMS`.
    public var route: MessageRoute
    /// SMS segments (1 for an MMS).
    public var segments: Int
    /// Credits charged for it (0 when a refusal was refunded).
    public var credits: Int
    /// The carrier's message id (Twilio `SM…`), once accepted.
    public var messageSid: String?
    /// Why it was not sent, when it was not.
    public var error: Failure?

    /// The failure for a stored error code: a carrier code explained by the carrier error table,
    /// or the organization running out of credits between numbers.
    static func failure(code: String?) -> Failure? {
        guard let code else { return nil }
        if code == AmplifiErrorCode.insufficientCredits.rawValue {
            return Failure(code: code, message: "the organization ran out of credits before this number; add credits")
        }
        return Failure(code: code, message: CarrierErrorTable.row(for: code).message)
    }
}
