import AmplifiRedis
import Testing

@Suite struct RedisValueTests {
    @Test func helpersReadEachKind() throws {
        #expect(RedisValue.status("OK").string == "OK")
        #expect(RedisValue.bulk(Array("42".utf8)).int == 42)
        #expect(RedisValue.bulk([0xFF, 0xFE]).string == nil)
        #expect(RedisValue.bulk([0xFF, 0xFE]).bytes == [0xFF, 0xFE])
        #expect(RedisValue.integer(7).int == 7)
        #expect(RedisValue.null.isNull)
        #expect(RedisValue.array([.integer(1)]).array == [.integer(1)])
        #expect(try RedisValue.integer(1).checked() == .integer(1))
        let error = #expect(throws: RedisError.self) {
            try RedisValue.error("WRONGTYPE Operation against a key holding the wrong kind of value").checked(
                command: "GET")
        }
        #expect(error?.code == .server)
        #expect(error?.prefix == "WRONGTYPE")
    }

    @Test func argumentsEncodeNumbers() {
        #expect(RedisArgument(42).bytes == Array("42".utf8))
        #expect(RedisArgument(-1.5).bytes == Array("-1.5".utf8))
        #expect(RedisArgument(milliseconds: .milliseconds(1500)).bytes == Array("1500".utf8))
        let literal: RedisArgument = "SET"
        #expect(literal.bytes == Array("SET".utf8))
    }
}
