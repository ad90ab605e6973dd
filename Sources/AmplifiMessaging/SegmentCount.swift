/// How a text is sent as SMS: its encoding, its size in encoding units and its number of segments.
public struct SegmentCount: Hashable, Sendable {
    /// GSM-7 or UCS-2.
    public let encoding: MessageEncoding
    /// Septets (GSM-7, extension characters count two) or UTF-16 code units (UCS-2).
    public let units: Int
    /// Number of SMS segments; 0 for an empty text.
    public let segments: Int

    /// Creates a count (normally obtained from ``MessageSegmenter/count(_:)``).
    public init(encoding: MessageEncoding, units: Int, segments: Int) {
        self.encoding = encoding
        self.units = units
        self.segments = segments
    }
}
