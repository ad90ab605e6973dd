import AmplifiMessaging
import AmplifiPostgres
import Foundation

/// A contact's merge-field columns as the send pipeline and inbound auto-replies read them: the
/// same select list (custom fields as a JSON object of strings, so Swift decodes them without
/// guessing types) and the same decoding into `MergeValues`.
enum ContactMergeColumns {
    /// The seven columns, for contacts aliased `c`: first/last name, email, city, state, zip, custom fields.
    static let selectList =
        "c.first_name, c.last_name, c.email, c.city, c.state, c.zip, "
        + "(SELECT jsonb_object_agg(e.key, e.value) FROM jsonb_each_text(c.custom_fields) e)::text"

    /// How many columns `selectList` yields.
    static let count = 7

    /// Where the seven columns start in `result`: found by the first one's name once per result, so a
    /// statement can put them anywhere in its select list.
    static func start(in result: PostgresResult) throws -> Int {
        guard let index = result.columns.firstIndex(of: "first_name") else {
            throw PostgresError(
                code: .decoding, message: "the result has no merge columns (first_name …): select selectList")
        }
        return index
    }

    /// The merge values in the seven columns starting at `index` (``start(in:)``); `phone` fills `{{phone}}`.
    static func decode(_ row: PostgresRow, at index: Int, phone: String, decoder: JSONDecoder) throws -> MergeValues {
        let customJSON = try row.decode(String?.self, at: index + 6)
        let custom = customJSON.flatMap { try? decoder.decode([String: String].self, from: Data($0.utf8)) } ?? [:]
        return MergeValues(
            firstName: try row.decode(String?.self, at: index), lastName: try row.decode(String?.self, at: index + 1),
            email: try row.decode(String?.self, at: index + 2), phone: phone,
            city: try row.decode(String?.self, at: index + 3), state: try row.decode(String?.self, at: index + 4),
            zip: try row.decode(String?.self, at: index + 5), customFields: custom)
    }
}
