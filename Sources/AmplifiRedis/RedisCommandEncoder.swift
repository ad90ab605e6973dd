/// Encodes commands in RESP, the way hiredis' `redisFormatCommandArgv` does:
/// `*<argc>\r\n` then `$<len>\r\n<bytes>\r\n` per argument. Binary-safe.
///
/// The connection writes these bytes itself (with `MSG_NOSIGNAL`, so a closed peer
/// never raises SIGPIPE, and counting bytes, so it knows whether anything reached
/// the server); hiredis only parses replies.
enum RedisCommandEncoder {
    static func encode(_ commands: [[RedisArgument]]) -> [UInt8] {
        var size = 0
        for command in commands {
            size += 16
            for argument in command { size += argument.bytes.count + 16 }
        }
        var output: [UInt8] = []
        output.reserveCapacity(size)
        for command in commands {
            appendHeader(UInt8(ascii: "*"), command.count, to: &output)
            for argument in command {
                appendHeader(UInt8(ascii: "$"), argument.bytes.count, to: &output)
                output.append(contentsOf: argument.bytes)
                output.append(contentsOf: [13, 10])
            }
        }
        return output
    }

    private static func appendHeader(_ marker: UInt8, _ count: Int, to output: inout [UInt8]) {
        output.append(marker)
        output.append(contentsOf: String(count).utf8)
        output.append(contentsOf: [13, 10])
    }

    /// The command's name for errors and logs (`EVALSHA`, `XREADGROUP`): the first
    /// argument when it looks like a command name, never a value.
    static func commandName(_ command: [RedisArgument]) -> String? {
        guard let first = command.first, (1...32).contains(first.bytes.count),
            first.bytes.allSatisfy({ (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 95 })
        else { return nil }
        return String(decoding: first.bytes, as: UTF8.self).uppercased()
    }
}
