public import AmplifiPostgres

extension PostgresQuery {
    /// Appends another query (SQL and parameters), renumbering its `$n`
    /// placeholders to follow this query's parameters, so fragments built
    /// separately (each by interpolation, each numbered from `$1`) compose into
    /// one statement. The fragment's SQL must use `$` only for placeholders
    /// (true of every fragment built in this module: no dollar quoting, no `$`
    /// in literals).
    public mutating func append(_ fragment: PostgresQuery) {
        let offset = binds.count
        binds.append(contentsOf: fragment.binds)
        guard offset > 0 else {
            sql.append(fragment.sql)
            return
        }
        var output = ""
        output.reserveCapacity(fragment.sql.utf8.count + 8)
        var digits = ""
        var inPlaceholder = false
        func flush() {
            if inPlaceholder {
                if let number = Int(digits) {
                    output.append("$\(number + offset)")
                } else {
                    output.append("$" + digits)
                }
            }
            inPlaceholder = false
            digits = ""
        }
        for character in fragment.sql {
            if inPlaceholder, character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            flush()
            if character == "$" {
                inPlaceholder = true
            } else {
                output.append(character)
            }
        }
        flush()
        sql.append(output)
    }
}
