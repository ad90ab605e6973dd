public import Foundation

/// How deeply a JSON text nests arrays and objects, found by one linear scan (strings skipped), so
/// a body like `[[[[…` thousands deep is refused before a recursive decoder walks it.
public enum JSONNesting {
    /// The deepest nesting a campaign body may have (a contact filter needs a handful of levels).
    public static let campaignBodyLimit = 64

    /// Whether `json` nests arrays or objects more than `limit` levels deep.
    public static func exceeds(_ limit: Int, in json: Data) -> Bool {
        var depth = 0
        var inString = false
        var escaped = false
        for byte in json {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > limit { return true }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return false
    }
}
