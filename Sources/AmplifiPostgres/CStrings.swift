/// Gives a C API an array of C strings (nil entries stay NULL), all copied into one
/// buffer for the duration of `body`.
func withCStringArray<Result>(
    _ strings: [String?], _ body: ([UnsafePointer<CChar>?]) throws -> Result
) rethrows -> Result {
    var offsets: [Int?] = []
    offsets.reserveCapacity(strings.count)
    var storage: [CChar] = []
    storage.reserveCapacity(strings.reduce(0) { $0 + ($1?.utf8.count ?? 0) + 1 })
    for string in strings {
        guard let string else {
            offsets.append(nil)
            continue
        }
        offsets.append(storage.count)
        for byte in string.utf8 { storage.append(CChar(bitPattern: byte)) }
        storage.append(0)
    }
    return try storage.withUnsafeBufferPointer { buffer in
        let pointers = offsets.map { offset in offset.map { buffer.baseAddress! + $0 } }
        return try body(pointers.map { $0.map(UnsafePointer.init) })
    }
}

/// Sends a statement's parameters to libpq: the count and the C string values.
/// Text containing NUL cannot be sent to Postgres and is rejected here.
func withBinds<Result>(
    _ query: PostgresQuery, _ body: (Int32, [UnsafePointer<CChar>?]) throws -> Result
) throws -> Result {
    for (index, bind) in query.binds.enumerated() where bind?.utf8.contains(0) == true {
        throw PostgresError(
            code: .encoding, message: "parameter $\(index + 1) contains a NUL byte, which Postgres text cannot store",
            query: query.sql)
    }
    return try withCStringArray(query.binds) { try body(Int32(query.binds.count), $0) }
}
