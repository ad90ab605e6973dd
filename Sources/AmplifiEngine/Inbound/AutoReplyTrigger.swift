/// What in an inbound message an automatic reply answers.
public enum AutoReplyTrigger: Sendable, Hashable {
    /// A yes answer (``AmplifiMessaging/YesNoAnswer/yes``): the campaign's `yes_response`.
    case yes
    /// A no answer: the campaign's `no_response`.
    case no
    /// The campaign's FAQ at this position (0-based) matched: its answer.
    case faq(index: Int)

    /// `yes`, `no` or `faq` (for logs and JSON).
    public var name: String {
        switch self {
        case .yes: "yes"
        case .no: "no"
        case .faq: "faq"
        }
    }

    /// The key of the reply window (`auto_reply_windows.trigger`): `yes`, `no` or `faq:<index>`,
    /// so each FAQ is answered once per window on its own.
    var windowKey: String {
        switch self {
        case .yes: "yes"
        case .no: "no"
        case .faq(let index): "faq:\(index)"
        }
    }
}
