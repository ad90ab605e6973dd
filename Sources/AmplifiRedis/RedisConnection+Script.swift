extension RedisConnection {
    /// Runs `script` with `EVALSHA`; when the server answers `NOSCRIPT` (restart,
    /// failover, `SCRIPT FLUSH`) it loads the script with `SCRIPT LOAD` and runs it
    /// again. Error replies from the script are thrown as `server` errors.
    @discardableResult
    public func evalScript(
        _ script: RedisScript, keys: [RedisArgument] = [], arguments: [RedisArgument] = []
    ) throws -> RedisValue {
        let call: [RedisArgument] = ["EVALSHA", .init(script.sha1), .init(keys.count)] + keys + arguments
        do {
            return try send(call)
        } catch let error as RedisError where error.hasPrefix("NOSCRIPT") {
            let loaded = try send(["SCRIPT", "LOAD", .init(script.source)])
            guard loaded.string == script.sha1 else {
                throw RedisError(
                    code: .protocolViolation, message: "SCRIPT LOAD returned a different SHA1 than computed locally",
                    command: "SCRIPT")
            }
            return try send(call)
        }
    }
}
