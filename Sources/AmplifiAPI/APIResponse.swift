import Foundation
public import Hummingbird
import NIOCore

/// Success bodies of the API: `{"success": true, "data": …, "meta"?: …}`, JSON.
public enum APIResponse {
    /// Pagination details of a list (`total` only when the client asked for it).
    public struct PageMeta: Encodable, Sendable {
        public var limit: Int
        public var nextCursor: String?
        public var total: Int?
        /// The v1 lists' `offset` (always 0: they page by cursor).
        public var offset: Int?

        public init(limit: Int, nextCursor: String?, total: Int? = nil, offset: Int? = nil) {
            self.limit = limit
            self.nextCursor = nextCursor
            self.total = total
            self.offset = offset
        }

        enum CodingKeys: String, CodingKey {
            case limit, total, offset
            case nextCursor = "next_cursor"
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(limit, forKey: .limit)
            try container.encode(nextCursor, forKey: .nextCursor)
            try container.encodeIfPresent(total, forKey: .total)
            try container.encodeIfPresent(offset, forKey: .offset)
        }
    }

    struct Envelope<Data: Encodable, Meta: Encodable>: Encodable {
        var success = true
        var data: Data
        var meta: Meta?
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    /// `data` (and `meta`) in the success envelope, with `status`.
    public static func success(
        _ data: some Encodable, meta: (some Encodable)? = PageMeta?.none, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        json(try encoder.encode(Envelope(data: data, meta: meta)), status: status)
    }

    /// A JSON body as is.
    static func json(_ body: Foundation.Data, status: HTTPResponse.Status) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
