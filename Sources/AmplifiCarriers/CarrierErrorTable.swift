/// The carrier error table (docs/architecture.md#carrier-errors), in one place: which codes fall in which class and what the
/// pipeline does with them. Every classification goes through `CarrierErrorTable.row(for:httpStatus:)`.
public enum CarrierErrorTable {
    /// One row: a class, the codes it covers and what the pipeline does.
    public struct Row: Hashable, Sendable {
        /// The class of the row.
        public let errorClass: CarrierErrorClass
        /// Twilio codes (`"21211"`) and our transport codes (`"http_429"`, `"connect_failed"`,
        /// `"response_timeout"`) of the row.
        public let codes: [String]
        /// What the pipeline does (`retryBatchLater`'s `retryAfter` is filled in per error).
        public let disposition: CarrierErrorDisposition
        /// What happened and what happens next, for a person.
        public let message: String
    }

    /// Retry attempts in all for an unreachable recipient before the row fails.
    public static let unreachableMaxAttempts = 3

    /// What happens to a message whose outcome is ambiguous (the end of each such row's message).
    static let settleLaterSuffix =
        "It is recorded unknown, its credits are kept, and it is never sent again blindly: listing the "
        + "carrier's messages for its recipient and sender settles it (one match: sent; none: sent again; "
        + "several: left unknown for a person to check)."

    /// The reason a campaign pauses with when its content-filter error rate passes the threshold.
    public static let contentFilterPauseReason = "carrier_errors"

    /// The table. Codes are unique across rows (a test checks it).
    public static let rows: [Row] = [
        Row(
            errorClass: .retryableRequest,
            codes: ["http_429", "20429", "http_5xx", "20500", "20503"],
            disposition: .retryBatchLater(retryAfter: nil),
            message: "The carrier did not process the request (rate limit or server error); "
                + "the message goes back to the queue and the sender number backs off."),
        Row(
            errorClass: .retryableRequest,
            codes: ["connect_failed", "connect_timeout", "pool_timeout", "timeout", "connection_failed"],
            disposition: .retryBatchLater(retryAfter: nil),
            message: "The request never reached the carrier (connection refused or not opened in time, "
                + "TLS failed, or no free connection before the deadline); the message goes back to the queue "
                + "and the sender number backs off. Check the carrier's base URL and the network if it persists."),
        Row(
            errorClass: .retryableRequest,
            codes: ["concurrency_budget_timeout"],
            disposition: .notSent,
            message: "No permit of the carrier account's concurrency budget became free in time, so the request "
                + "was never sent; the message goes back to the queue with its attempt given back and the sender "
                + "number backs off. If it "
                + "persists, the account's budget (--account-concurrency) is too small for the fleet's sender numbers."),
        Row(
            errorClass: .ambiguous,
            codes: ["response_timeout"],
            disposition: .settleLater,
            message: "The carrier did not answer in time after receiving the request, so the message may exist. "
                + settleLaterSuffix),
        Row(
            errorClass: .ambiguous,
            codes: ["connection_lost"],
            disposition: .settleLater,
            message: "The connection closed after the request was sent and before the carrier's whole answer "
                + "arrived, so the message may exist. " + settleLaterSuffix),
        Row(
            errorClass: .ambiguous,
            codes: ["invalid_response"],
            disposition: .settleLater,
            message: "The carrier accepted the request but its answer could not be read, so the message may "
                + "exist. " + settleLaterSuffix),
        Row(
            errorClass: .senderQueueFull,
            codes: ["21611", "30001"],
            disposition: .retryBatchLater(retryAfter: nil),
            message: "The sender number's queue at the carrier is full; the message is retried later "
                + "and the number is slowed down."),
        Row(
            errorClass: .unreachable,
            codes: ["30003", "30008"],
            disposition: .retryRow(maxAttempts: unreachableMaxAttempts),
            message: "The recipient's handset was unreachable or the carrier gave an unknown error; "
                + "the message is retried a few times, then marked failed."),
        Row(
            errorClass: .permanentForRecipient,
            codes: ["21211", "30005"],
            disposition: .failRow(markNotTextable: false, optOut: false),
            message: "The recipient's number is invalid or unknown to the carrier; the message failed."),
        Row(
            errorClass: .permanentForRecipient,
            codes: ["21614", "30006"],
            disposition: .failRow(markNotTextable: true, optOut: false),
            message: "The recipient's number cannot receive text messages (landline or unreachable carrier); "
                + "the message failed and the contact is marked not textable."),
        Row(
            errorClass: .optedOutAtCarrier,
            codes: ["21610"],
            disposition: .failRow(markNotTextable: false, optOut: true),
            message: "The recipient has replied STOP to this sender at the carrier; the message failed "
                + "(not charged) and the contact is opted out."),
        Row(
            errorClass: .accountSetting,
            codes: ["21408"],
            disposition: .pauseCampaign(reason: "carrier_account_setting"),
            message: "The carrier account may not send to this region; the campaign is paused. "
                + "Enable the country in the carrier's geographic permissions, then resume."),
        Row(
            errorClass: .senderOrCredentials,
            codes: ["20003", "http_401"],
            disposition: .pauseCampaign(reason: "carrier_auth_failed"),
            message: "The carrier rejected our credentials; the campaign is paused. "
                + "Check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN, then resume."),
        Row(
            errorClass: .senderOrCredentials,
            codes: ["21212", "21606", "21660"],
            disposition: .pauseCampaign(reason: "carrier_sender_invalid"),
            message: "The carrier does not accept the sender number for this account; the campaign is "
                + "paused. Check the campaign's from number, then resume."),
        Row(
            errorClass: .contentFiltered,
            codes: ["30007"],
            disposition: .contentFiltered,
            message: "The carrier filtered the message as spam or a policy violation; it failed and counts "
                + "toward the campaign's carrier error rate."),
    ]

    /// The row for unknown codes: fail the row, keep the code.
    public static let unknownRow = Row(
        errorClass: .unknown, codes: [],
        disposition: .failRow(markNotTextable: false, optOut: false),
        message: "The carrier refused the message with a code we do not classify; the message failed. "
            + "Look the code up in the carrier's error reference.")

    /// Code → row index, built once.
    private static let index: [String: Int] = {
        var index: [String: Int] = [:]
        for (position, row) in rows.enumerated() {
            for code in row.codes { index[code] = position }
        }
        return index
    }()

    /// The row for `code`; a code the table lacks falls back on the HTTP status
    /// (429 and 5xx are retryable, 401 is a credentials problem), then on `unknownRow`.
    public static func row(for code: String, httpStatus: Int? = nil) -> Row {
        if let position = index[code] { return rows[position] }
        if code.hasPrefix("http_5"), code.utf8.count == 8 { return rows[index["http_5xx"]!] }
        switch httpStatus {
        case 429?: return rows[index["http_429"]!]
        case 401?: return rows[index["http_401"]!]
        case let status? where (500...599).contains(status): return rows[index["http_5xx"]!]
        default: return unknownRow
        }
    }
}
