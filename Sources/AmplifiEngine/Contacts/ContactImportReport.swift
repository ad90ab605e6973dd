/// The outcome of a contact import.
public struct ContactImportReport: Sendable, Equatable, Codable {
    /// Data rows read (blank lines excluded).
    public var rows: Int = 0
    /// Rows that were stored (`created + merged`).
    public var imported: Int { created + merged }
    /// New contacts.
    public var created: Int = 0
    /// Rows folded into a contact that already existed (in the database or earlier in the file).
    public var merged: Int = 0
    /// Rows not imported (each listed in `rejections`, up to the report's limit).
    public var rejected: Int = 0
    /// Rejected rows in file order (at most the importer's `maxReportedRejections`).
    public var rejections: [ContactImportRejection] = []
    /// True when more rows were rejected than `rejections` lists.
    public var rejectionsTruncated: Bool = false
    /// Wall-clock duration of the import.
    public var elapsedSeconds: Double = 0

    /// An empty report.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case rows, imported, created, merged, rejected, rejections, rejectionsTruncated, elapsedSeconds
    }

    /// Decodes a report (the `imported` key is derived and ignored).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        rows = try container.decode(Int.self, forKey: .rows)
        created = try container.decode(Int.self, forKey: .created)
        merged = try container.decode(Int.self, forKey: .merged)
        rejected = try container.decode(Int.self, forKey: .rejected)
        rejections = try container.decode([ContactImportRejection].self, forKey: .rejections)
        rejectionsTruncated = try container.decode(Bool.self, forKey: .rejectionsTruncated)
        elapsedSeconds = try container.decode(Double.self, forKey: .elapsedSeconds)
    }

    /// Encodes every count, `imported` included.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(rows, forKey: .rows)
        try container.encode(imported, forKey: .imported)
        try container.encode(created, forKey: .created)
        try container.encode(merged, forKey: .merged)
        try container.encode(rejected, forKey: .rejected)
        try container.encode(rejections, forKey: .rejections)
        try container.encode(rejectionsTruncated, forKey: .rejectionsTruncated)
        try container.encode(elapsedSeconds, forKey: .elapsedSeconds)
    }
}
