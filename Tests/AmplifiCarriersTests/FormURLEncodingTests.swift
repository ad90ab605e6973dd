import AmplifiCarriers
import PropertyBased
import Testing

@Suite struct FormURLEncodingTests {
    @Test func escapesReservedCharacters() {
        #expect(FormURLEncoding.encodeComponent("+14155552345") == "%2B14155552345")
        #expect(FormURLEncoding.encodeComponent("a b&c=d") == "a+b%26c%3Dd")
        #expect(FormURLEncoding.encodeComponent("100%") == "100%25")
        #expect(FormURLEncoding.encodeComponent("AZaz09-._*") == "AZaz09-._*")
        #expect(FormURLEncoding.encodeComponent("~/?#") == "%7E%2F%3F%23")
        #expect(FormURLEncoding.encodeComponent("line\nbreak") == "line%0Abreak")
    }

    @Test func utf8AndEmoji() {
        #expect(FormURLEncoding.encodeComponent("é") == "%C3%A9")
        #expect(FormURLEncoding.encodeComponent("Hello! 👍") == "Hello%21+%F0%9F%91%8D")
        #expect(FormURLEncoding.encodeComponent("€") == "%E2%82%AC")
    }

    @Test func decodesPlusPercentAndBrokenEscapes() {
        let fields = FormURLEncoding.decode("To=%2B1415&Body=a+b%20c&Bad=%zz%4&Empty=&Flag")
        #expect(fields.map(\.key) == ["To", "Body", "Bad", "Empty", "Flag"])
        #expect(fields.map(\.value) == ["+1415", "a b c", "%zz%4", "", ""])
    }

    @Test func roundTripsAnyText() async {
        let text = Gen<UInt32>.value(in: 0...0x1F6FF).array(of: 0...40).map { codes in
            String(String.UnicodeScalarView(codes.compactMap(Unicode.Scalar.init)))
        }
        await propertyCheck(count: 300, input: text, text) { key, value in
            let encoded = FormURLEncoding.encode([(key, value), ("k", "v")])
            // Only the unreserved set, '+', '%', '&' and '=' appear on the wire.
            #expect(encoded.utf8.allSatisfy { $0 < 0x80 && $0 > 0x20 })
            let decoded = FormURLEncoding.decode(encoded)
            #expect(decoded.count == 2)
            #expect(decoded.first?.key == key)
            #expect(decoded.first?.value == value)
        }
    }
}
