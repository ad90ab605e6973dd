import AmplifiMessaging
import PropertyBased
import Testing

/// Pieces that stress the segmenter: GSM basic and extension characters, CR LF, accents,
/// smart punctuation, non-BMP emoji, flags, skin tones, ZWJ sequences, combining marks.
private let atoms: [String] = [
    "a", "Z", " ", "0", "@", "\n", "\r\n", "\r", "€", "^", "{", "}", "\\", "[", "~", "]", "|", "\u{0C}",
    "é", "Ø", "Δ", "ç", "ñ", "中", "Ж", "\u{201C}", "\u{2014}", "😀", "🇺🇸", "🇫🇷", "👍🏽", "👨‍👩‍👧‍👦",
    "🏳️‍🌈", "e\u{0301}", "\u{FE0F}", "\u{200D}", "𝔸", "ﷺ", "\u{00A0}",
]

/// Pieces that keep a text in GSM-7.
private let gsmAtoms: [String] = ["a", "b", " ", ".", "\n", "\r\n", "€", "^", "{", "}", "|", "~", "é", "Δ", "\u{0C}"]

/// Random text built from `pool` atoms and random BMP and astral scalars.
private func textGenerator(_ pool: [String], scalars: Bool) -> Generator<String, some Sequence & SendableMetatype> {
    Gen<UInt32>.value(in: 0...UInt32.max).array(of: 0...420).map { codes in
        var text = ""
        for code in codes {
            if scalars && code % 4 == 0 {
                // A random scalar: mostly BMP, sometimes astral; surrogates are skipped.
                let value = code % 16 == 0 ? 0x1F300 + (code >> 8) % 0x400 : 0x20 + (code >> 8) % 0x3000
                if let scalar = Unicode.Scalar(value) { text.unicodeScalars.append(scalar) }
            } else {
                text += pool[Int((code >> 2) % UInt32(pool.count))]
            }
        }
        return text
    }
}

/// Units of `part` in `encoding`.
private func units(_ part: Substring, _ encoding: MessageEncoding) -> Int {
    switch encoding {
    case .gsm7: part.unicodeScalars.reduce(0) { $0 + GSM7Alphabet.septets($1) }
    case .ucs2: part.utf16.count
    }
}

/// Checks the segmenter's invariants for one text.
private func checkInvariants(_ text: String) {
    let count = MessageSegmenter.count(text)
    let parts = MessageSegmenter.split(text)
    #expect(count.segments == parts.count)
    #expect(parts.joined() == text)
    #expect(count.encoding == MessageEncoding.required(for: text))
    let capacity = parts.count <= 1 ? count.encoding.singleSegmentCapacity : count.encoding.multipartSegmentCapacity
    for part in parts {
        #expect(!part.isEmpty)
        #expect(units(part, count.encoding) <= capacity)
    }
    // No grapheme cluster is cut (the atoms here are all smaller than a part).
    #expect(parts.reduce(0) { $0 + $1.count } == text.count)
    // Units add up, and the segment count is the minimal one for the size.
    #expect(parts.reduce(0) { $0 + units($1, count.encoding) } == count.units)
    if count.units <= count.encoding.singleSegmentCapacity {
        #expect(count.segments == (text.isEmpty ? 0 : 1))
    } else {
        let minimum =
            (count.units + count.encoding.multipartSegmentCapacity - 1) / count.encoding.multipartSegmentCapacity
        #expect(count.segments >= minimum)
        // Greedy packing of clusters of at most 11 units wastes little per part.
        #expect(count.segments <= minimum + 1 + count.units / (count.encoding.multipartSegmentCapacity * 4))
    }
    let plan = try? MessagePlanner.plan(body: text, forceRoute: .sms, normalizeText: false, includeSegments: true)
    if let plan {
        #expect(plan.segmentCount == count.segments)
        #expect(plan.segments.joined() == text)
        #expect(plan.credits == count.segments)
    }
}

@Suite("Segments: properties")
struct SegmentPropertyTests {
    @Test("Any text: count equals parts, parts fit, parts join back")
    func anyText() async {
        await propertyCheck(count: 400, input: textGenerator(atoms, scalars: true)) { text in
            checkInvariants(text)
        }
    }

    @Test("GSM-7 text: count equals parts, parts fit, parts join back")
    func gsmText() async {
        await propertyCheck(count: 400, input: textGenerator(gsmAtoms, scalars: false)) { text in
            #expect(MessageEncoding.required(for: text) == .gsm7)
            checkInvariants(text)
        }
    }

    @Test("Normalized text keeps every character that has no equivalent")
    func normalizationKeepsUnmapped() async {
        await propertyCheck(count: 200, input: textGenerator(atoms, scalars: true)) { text in
            let normalized = TextNormalizer.normalized(text)
            // Emoji and letters are never dropped.
            let emoji = text.unicodeScalars.filter { $0.properties.isEmojiPresentation }
            let kept = normalized.unicodeScalars.filter { $0.properties.isEmojiPresentation }
            #expect(emoji.count == kept.count)
            #expect(TextNormalizer.normalized(normalized) == normalized)
            checkInvariants(normalized)
        }
    }
}
