import AmplifiCarriers
import AmplifiMessaging
import Testing

/// `next_page_uri` stays on the configured origin, and the walk is capped.
@Suite struct TwilioPageWalkTests {
    static let walk = TwilioPageWalk(baseURL: "https://api.twilio.com", maxPages: 3)

    @Test(arguments: [
        (
            "/2010-04-01/Accounts/AC1/Messages.json?PageToken=PA1",
            "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageToken=PA1"
        ),
        ("https://api.twilio.com/2010-04-01/x.json", "https://api.twilio.com/2010-04-01/x.json"),
        ("HTTPS://API.TWILIO.COM:443/x.json", "HTTPS://API.TWILIO.COM:443/x.json"),
    ])
    func sameOriginPagesAreFollowed(_ next: String, _ expected: String) throws {
        #expect(try Self.walk.url(after: next) == expected)
    }

    @Test(arguments: [
        "https://evil.example/2010-04-01/x.json",  // another host
        "http://api.twilio.com/x.json",  // another scheme
        "https://api.twilio.com:8443/x.json",  // another port
        "//evil.example/x.json",  // scheme-relative
        "@evil.example/x.json",  // would make the base's host the user info
        ".evil.example/x.json",  // would extend the host
        ":8443/x.json",  // would change the port
        "evil.example/x.json",  // not a path
        "https://user:pw@api.twilio.com/x.json",  // user info
        "https://api.twilio.com\\@evil.example/",  // parser confusion
        "javascript:alert(1)",
        "\u{0}",
    ])
    func foreignPagesAreRefusedWithACode(_ next: String) {
        let error = #expect(throws: TwilioPageError.self) { try Self.walk.url(after: next) }
        #expect(error?.code == "CARRIER_FOREIGN_NEXT_PAGE")
        #expect(error?.message.contains("api.twilio.com") == true)
    }

    @Test func theLastPageEndsTheWalk() throws {
        #expect(try Self.walk.url(after: nil) == nil)
        #expect(try Self.walk.url(after: "") == nil)
    }

    @Test func thePageCapIsEnforced() throws {
        var walk = Self.walk
        for _ in 1...3 { try walk.countPage() }
        let error = #expect(throws: TwilioPageError.self) { try walk.countPage() }
        #expect(error?.code == "CARRIER_PAGE_LIMIT")
        #expect(walk.pages == 3)
        // A local server's origin includes its port.
        let local = TwilioPageWalk(baseURL: "http://127.0.0.1:8089", maxPages: 100)
        #expect(try local.url(after: "/x") == "http://127.0.0.1:8089/x")
        #expect(throws: TwilioPageError.self) { try local.url(after: "http://127.0.0.1:8090/x") }
    }
}
