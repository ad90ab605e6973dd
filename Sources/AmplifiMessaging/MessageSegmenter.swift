/// Counts and splits SMS text into segments the way carriers and Twilio's segment calculator do.
///
/// GSM-7: 160 septets in one segment, 153 per part when split; extension characters
/// (`^ { } \ [ ~ ] | €` and form feed) cost two septets. UCS-2: 70 UTF-16 code units,
/// 67 per part; characters outside the BMP cost two. A split never cuts an escape pair, a
/// surrogate pair or a grapheme cluster (a flag or emoji sequence stays whole) — except a
/// single cluster larger than a whole part, which is then split between its Unicode scalars.
public enum MessageSegmenter {
    /// The encoding, units and segment count of `text`, without building the parts.
    public static func count(_ text: String) -> SegmentCount {
        let (encoding, units) = measure(text)
        let segments = forEachPart(of: text, encoding: encoding, units: units) { _ in }
        return SegmentCount(encoding: encoding, units: units, segments: segments)
    }

    /// The parts `text` is sent as; joined, they give `text` back.
    public static func split(_ text: String) -> [Substring] {
        let (encoding, units) = measure(text)
        var parts: [Substring] = []
        parts.reserveCapacity(
            units <= encoding.singleSegmentCapacity ? 1 : units / encoding.multipartSegmentCapacity + 1)
        forEachPart(of: text, encoding: encoding, units: units) { parts.append(text[$0]) }
        return parts
    }

    /// The encoding `text` needs and its length in that encoding's units.
    static func measure(_ text: String) -> (MessageEncoding, Int) {
        if let septets = GSM7Alphabet.septetCount(text) {
            return (.gsm7, septets)
        }
        return (.ucs2, text.utf16.count)
    }

    /// Calls `emit` with the range of each part, in order, and returns the number of parts.
    @discardableResult
    static func forEachPart(
        of text: String,
        encoding: MessageEncoding,
        units: Int,
        _ emit: (Range<String.Index>) -> Void
    ) -> Int {
        if text.isEmpty { return 0 }
        if units <= encoding.singleSegmentCapacity {
            emit(text.startIndex..<text.endIndex)
            return 1
        }
        var packer = PartPacker(capacity: encoding.multipartSegmentCapacity, start: text.startIndex)
        switch encoding {
        case .gsm7: packGSM(text, into: &packer, emit)
        case .ucs2: packGraphemes(text, encoding: encoding, into: &packer, emit)
        }
        packer.finish(at: text.endIndex, emit)
        return packer.parts
    }

    /// Packs a GSM-7 text scalar by scalar. No GSM-7 character extends a grapheme cluster,
    /// so CR LF is the only cluster of several scalars: it is kept together.
    private static func packGSM(
        _ text: String,
        into packer: inout PartPacker,
        _ emit: (Range<String.Index>) -> Void
    ) {
        let scalars = text.unicodeScalars
        var index = scalars.startIndex
        var previous: UInt32 = 0
        var previousIndex = index
        while index != scalars.endIndex {
            let value = scalars[index].value
            let cost = GSM7Alphabet.septets(scalarValue: value)
            if previous == 0x0D && value == 0x0A {
                // Keep "\r\n" together: LF joins the part that holds its CR.
                packer.extendLastAtom(by: cost, atomStart: previousIndex, emit)
            } else {
                packer.add(at: index, cost: cost, emit)
            }
            previous = value
            previousIndex = index
            scalars.formIndex(after: &index)
        }
    }

    /// Packs any text grapheme cluster by grapheme cluster.
    private static func packGraphemes(
        _ text: String,
        encoding: MessageEncoding,
        into packer: inout PartPacker,
        _ emit: (Range<String.Index>) -> Void
    ) {
        var index = text.startIndex
        while index != text.endIndex {
            let next = text.index(after: index)
            let cluster = text[index..<next]
            let cost = units(of: cluster, encoding: encoding)
            if cost <= packer.capacity {
                packer.add(at: index, cost: cost, emit)
            } else {
                // A cluster longer than a whole part (e.g. hundreds of combining marks): split between scalars.
                let scalars = cluster.unicodeScalars
                var scalarIndex = scalars.startIndex
                while scalarIndex != scalars.endIndex {
                    packer.add(at: scalarIndex, cost: units(of: scalars[scalarIndex], encoding: encoding), emit)
                    scalars.formIndex(after: &scalarIndex)
                }
            }
            index = next
        }
    }

    /// Units one grapheme cluster costs in `encoding`.
    private static func units(of cluster: Substring, encoding: MessageEncoding) -> Int {
        switch encoding {
        case .gsm7:
            var total = 0
            for scalar in cluster.unicodeScalars { total += GSM7Alphabet.septets(scalarValue: scalar.value) }
            return total
        case .ucs2:
            return cluster.utf16.count
        }
    }

    /// Units one scalar costs in `encoding`.
    private static func units(of scalar: Unicode.Scalar, encoding: MessageEncoding) -> Int {
        switch encoding {
        case .gsm7: GSM7Alphabet.septets(scalarValue: scalar.value)
        case .ucs2: scalar.utf16.count
        }
    }
}
