/// A message body with merge fields (`Hi {{firstName|there}}!`), parsed once and rendered per contact.
///
/// Rendering appends precompiled literal and field parts to one reserved `String`; rendered
/// values are never parsed again, so a contact named `{{zip}}` stays literal.
public struct MergeTemplate: Sendable, Hashable {
    /// One precompiled piece of the template.
    enum Part: Sendable, Hashable {
        /// Text copied as is.
        case literal(String)
        /// A field, with the text used when the contact has no value.
        case field(MergeField, fallback: String?)
    }

    /// The template as written.
    public let source: String
    /// The precompiled pieces, in order.
    let parts: [Part]
    /// The distinct fields the template uses, in order of first use.
    public let fields: [MergeField]
    /// UTF-8 bytes of all literal parts, used to reserve the output.
    private let literalByteCount: Int

    /// Parses `source`; `customFieldKeys` are the custom field keys allowed besides the standard fields.
    ///
    /// Spaces inside the braces are ignored (`{{ firstName | there }}`). Throws for an unknown
    /// field, an empty `{{}}`, an unclosed `{{` or a stray `}}`, naming the position.
    public init(parsing source: String, customFieldKeys: Set<String> = []) throws(MergeTemplateError) {
        self.source = source
        var parts: [Part] = []
        var fields: [MergeField] = []
        var literalBytes = 0

        let utf8 = source.utf8
        var literalStart = utf8.startIndex
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            let next = utf8.index(after: index)
            guard byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}"), next != utf8.endIndex, utf8[next] == byte
            else {
                index = next
                continue
            }
            if byte == UInt8(ascii: "}") {
                throw MergeTemplateError(.strayClosingBraces, position: MergeTemplate.position(of: index, in: source))
            }
            let contentStart = utf8.index(after: next)
            let closing = try MergeTemplate.closingBraces(in: source, from: contentStart, openedAt: index)
            let (field, fallback) = try MergeTemplate.parseTag(
                source[contentStart..<closing], openedAt: index, in: source, customFieldKeys: customFieldKeys)

            if literalStart < index {
                let literal = String(source[literalStart..<index])
                literalBytes += literal.utf8.count
                parts.append(.literal(literal))
            }
            parts.append(.field(field, fallback: fallback))
            if !fields.contains(field) { fields.append(field) }
            index = utf8.index(closing, offsetBy: 2)
            literalStart = index
        }
        if literalStart < utf8.endIndex {
            let literal = String(source[literalStart...])
            literalBytes += literal.utf8.count
            parts.append(.literal(literal))
        }
        self.parts = parts
        self.fields = fields
        self.literalByteCount = literalBytes
    }

    /// Whether the template has no merge fields (rendering returns it unchanged).
    public var isStatic: Bool { fields.isEmpty }

    /// The body for one contact: values inserted as is; a missing or empty value gives the fallback, or nothing.
    public func render(_ values: MergeValues) -> String {
        render { values[$0] }
    }

    /// The body with values from `value` (nil or empty means missing).
    public func render(_ value: (MergeField) -> String?) -> String {
        if fields.isEmpty { return source }
        var output = String()
        output.reserveCapacity(literalByteCount + fields.count * 16)
        for part in parts {
            switch part {
            case .literal(let text):
                output.append(text)
            case .field(let field, let fallback):
                if let text = value(field), !text.isEmpty {
                    output.append(text)
                } else if let fallback {
                    output.append(fallback)
                }
            }
        }
        return output
    }

    /// The index of the `}}` closing a tag that starts at `start`; throws if a `{{` or the end comes first.
    private static func closingBraces(
        in source: String, from start: String.Index, openedAt open: String.Index
    ) throws(MergeTemplateError) -> String.Index {
        let utf8 = source.utf8
        var index = start
        while index != utf8.endIndex {
            let byte = utf8[index]
            let next = utf8.index(after: index)
            if next != utf8.endIndex && utf8[next] == byte {
                if byte == UInt8(ascii: "}") { return index }
                if byte == UInt8(ascii: "{") { break }
            }
            index = next
        }
        throw MergeTemplateError(.unclosedBraces, position: position(of: open, in: source))
    }

    /// Parses `name` or `name|fallback` between the braces.
    private static func parseTag(
        _ content: Substring, openedAt open: String.Index, in source: String, customFieldKeys: Set<String>
    ) throws(MergeTemplateError) -> (MergeField, String?) {
        let name: Substring
        var fallback: String?
        if let bar = content.firstIndex(of: "|") {
            name = content[..<bar].trimmingWhitespace()
            let text = content[content.index(after: bar)...].trimmingWhitespace()
            fallback = text.isEmpty ? nil : String(text)
        } else {
            name = content.trimmingWhitespace()
        }
        if name.isEmpty {
            throw MergeTemplateError(.emptyField, position: position(of: open, in: source))
        }
        if let standard = StandardMergeField(rawValue: String(name)) {
            return (.standard(standard), fallback)
        }
        if customFieldKeys.contains(String(name)) {
            return (.custom(String(name)), fallback)
        }
        let lowered = name.lowercased()
        let suggestion =
            StandardMergeField.allCases.first { $0.rawValue.lowercased() == lowered }?.rawValue
            ?? customFieldKeys.sorted().first { $0.lowercased() == lowered }
        throw MergeTemplateError(
            .unknownField, position: position(of: open, in: source), name: String(name), suggestion: suggestion)
    }

    /// 1-based character position of `index` in `source` (computed only for errors).
    private static func position(of index: String.Index, in source: String) -> Int {
        source.distance(from: source.startIndex, to: index) + 1
    }
}
