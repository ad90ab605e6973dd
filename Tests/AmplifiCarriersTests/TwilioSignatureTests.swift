import AmplifiCarriers
import Testing

@Suite struct TwilioSignatureTests {
    static let url = "https://mycompany.com/myapp.php?foo=1&bar=2"

    /// Twilio's documented example (webhook security docs; also the test vector of its helper
    /// libraries, e.g. twilio-python's RequestValidator tests): Caller/From are +14158675309.
    static let documented: [(key: String, value: String)] = [
        ("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
        ("From", "+14158675309"), ("To", "+18005551212"),
    ]

    @Test func twiliosDocumentedVector() {
        let signer = TwilioSignature(authToken: "12345")
        #expect(signer.signature(url: Self.url, parameters: Self.documented) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(signer.isValid("RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: Self.url, parameters: Self.documented))
        // Parameter order on the wire does not matter.
        #expect(signer.isValid("RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: Self.url, parameters: Self.documented.reversed()))
    }

    @Test func signedStringIsURLPlusSortedKeyValuePairs() {
        #expect(
            TwilioSignature.signedString(url: Self.url, parameters: Self.documented.reversed())
                == Self.url + "CallSidCA1234567890ABCDECaller+14158675309Digits1234From+14158675309To+18005551212")
    }

    /// The brief's variant of the vector (Caller/From +12349013030) does not give the documented value;
    /// its signature here was cross-checked with Python's hmac/hashlib.
    @Test func briefVariantCrossCheckedWithPython() {
        let parameters: [(key: String, value: String)] = [
            ("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
            ("From", "+12349013030"), ("To", "+18005551212"),
        ]
        let signature = TwilioSignature(authToken: "12345").signature(url: Self.url, parameters: parameters)
        #expect(signature == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        #expect(signature != "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
    }

    @Test func rejectsTampering() {
        let signer = TwilioSignature(authToken: "12345")
        let good = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        var tampered = Self.documented
        tampered[2].value = "9999"
        #expect(!signer.isValid(good, url: Self.url, parameters: tampered))
        #expect(!signer.isValid(good, url: Self.url + "&baz=3", parameters: Self.documented))
        #expect(!signer.isValid(good, url: Self.url, parameters: Self.documented + [("Extra", "1")]))
        #expect(!TwilioSignature(authToken: "12346").isValid(good, url: Self.url, parameters: Self.documented))
        #expect(!signer.isValid("", url: Self.url, parameters: Self.documented))
        #expect(!signer.isValid("RSOYDt4T1cUTdK1PDd93/VVr8B8", url: Self.url, parameters: Self.documented))
        #expect(!signer.isValid("rSOYDt4T1cUTdK1PDd93/VVr8B8=", url: Self.url, parameters: Self.documented))
    }

    @Test func defaultPortVariantsAreAccepted() {
        let signer = TwilioSignature(authToken: "12345")
        let withPort = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
        let signature = signer.signature(url: withPort, parameters: Self.documented)
        #expect(signer.isValid(signature, url: Self.url, parameters: Self.documented))
        #expect(signer.isValid("RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: withPort, parameters: Self.documented))
        #expect(
            !signer.isValid(
                "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: "https://mycompany.com:8443/myapp.php?foo=1&bar=2",
                parameters: Self.documented))
    }

    @Test func repeatedKeysTakeEachDistinctValueSorted() {
        let parameters: [(key: String, value: String)] = [("MediaUrl", "b"), ("MediaUrl", "a"), ("MediaUrl", "b")]
        #expect(TwilioSignature.signedString(url: "u", parameters: parameters) == "uMediaUrlaMediaUrlb")
    }

    @Test func constantTimeEquals() {
        #expect(TwilioSignature.constantTimeEquals("abc", "abc"))
        #expect(!TwilioSignature.constantTimeEquals("abc", "abd"))
        #expect(!TwilioSignature.constantTimeEquals("abc", "ab"))
        #expect(TwilioSignature.constantTimeEquals("", ""))
    }

    @Test func neverPrintsTheToken() {
        #expect(!"\(TwilioSignature(authToken: "s3cret-token"))".contains("s3cret"))
    }
}
