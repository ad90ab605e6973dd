import AmplifiCarriers
import Foundation
import Testing

/// Decoding Twilio's Message resource; the JSON below is copied from the response examples in
/// Fixtures/twilio-message-examples.json (create, list page, fetch).
@Suite struct TwilioMessageResourceTests {
    static let createExample = #"""
        {
          "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "api_version": "2010-04-01",
          "body": "Hello! \ud83d\udc4d",
          "date_created": "Thu, 30 Jul 2015 20:12:31 +0000",
          "date_sent": "Thu, 30 Jul 2015 20:12:33 +0000",
          "date_updated": "Thu, 30 Jul 2015 20:12:33 +0000",
          "direction": "outbound-api",
          "error_code": null,
          "error_message": null,
          "from": "+14155552345",
          "messaging_service_sid": "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "num_media": "0",
          "num_segments": "1",
          "price": null,
          "price_unit": null,
          "sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "status": "queued",
          "subresource_uris": {
            "media": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Media.json"
          },
          "to": "+14155552345",
          "uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.json"
        }
        """#

    static let fetchExample = #"""
        {
          "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "api_version": "2010-04-01",
          "body": "testing",
          "date_created": "Fri, 24 May 2019 17:18:27 +0000",
          "date_sent": "Fri, 24 May 2019 17:18:28 +0000",
          "date_updated": "Fri, 24 May 2019 17:18:28 +0000",
          "direction": "outbound-api",
          "error_code": 30007,
          "error_message": "Carrier violation",
          "from": "+12019235161",
          "messaging_service_sid": "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
          "num_media": "0",
          "num_segments": "1",
          "price": "-0.00750",
          "price_unit": "USD",
          "sid": "SMb7c0a2ce80504485a6f653a7110836f5",
          "status": "sent",
          "to": "+18182008801",
          "uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMb7c0a2ce80504485a6f653a7110836f5.json"
        }
        """#

    static let listExample = #"""
        {
          "end": 1,
          "first_page_uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json?To=%2B123456789&From=%2B987654321&DateSent%3E=2008-01-02&PageSize=2&Page=0",
          "next_page_uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json?To=%2B123456789&From=%2B987654321&DateSent%3E=2008-01-02&PageSize=2&Page=1&PageToken=PAMMc26223853f8c46b4ab7dfaa6abba0a26",
          "page": 0,
          "page_size": 2,
          "previous_page_uri": null,
          "messages": [
            {
              "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "api_version": "2010-04-01", "body": "testing",
              "date_created": "Fri, 24 May 2019 17:44:46 +0000", "date_sent": "Fri, 24 May 2019 17:44:50 +0000",
              "date_updated": "Fri, 24 May 2019 17:44:50 +0000", "direction": "outbound-api",
              "error_code": null, "error_message": null, "from": "+12019235161",
              "messaging_service_sid": "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "num_media": "0", "num_segments": "1",
              "price": "-0.00750", "price_unit": "USD", "sid": "SMded05904ccb347238880ca9264e8fe1c", "status": "sent",
              "to": "+18182008801",
              "uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/SMded05904ccb347238880ca9264e8fe1c.json"
            },
            {
              "account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "api_version": "2010-04-01", "body": "look mom I have media!",
              "date_created": "Fri, 24 May 2019 17:44:46 +0000", "date_sent": "Fri, 24 May 2019 17:44:49 +0000",
              "date_updated": "Fri, 24 May 2019 17:44:49 +0000", "direction": "inbound",
              "error_code": 30004, "error_message": "Message blocked", "from": "+12019235161",
              "messaging_service_sid": "MGaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "num_media": "3", "num_segments": "1",
              "price": "-0.00750", "price_unit": "USD", "sid": "MMc26223853f8c46b4ab7dfaa6abba0a26", "status": "received",
              "to": "+18182008801",
              "uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages/MMc26223853f8c46b4ab7dfaa6abba0a26.json"
            }
          ],
          "start": 0,
          "uri": "/2010-04-01/Accounts/ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/Messages.json?To=%2B123456789&From=%2B987654321&DateSent%3E=2008-01-02&PageSize=2&Page=0"
        }
        """#

    @Test func decodesTheCreateExample() throws {
        let message = try TwilioMessageResource.decode(json: Data(Self.createExample.utf8))
        #expect(message.sid == "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")
        #expect(message.status == .queued)
        #expect(message.numSegments == 1)
        #expect(message.numMedia == 0)
        #expect(message.priceMicros == nil)
        #expect(message.errorCode == nil)
        #expect(message.body == "Hello! 👍")
        #expect(message.from == "+14155552345")
        #expect(message.direction == "outbound-api")
        // Thu, 30 Jul 2015 20:12:31 +0000
        #expect(message.dateCreated == Date(timeIntervalSince1970: 1_438_287_151))
        #expect(message.dateSent == Date(timeIntervalSince1970: 1_438_287_153))
        #expect(
            message.sendResult
                == .accepted(providerMessageID: message.sid, status: .queued, segments: 1, priceMicros: nil))
    }

    @Test func decodesTheFetchExampleWithAnErrorCode() throws {
        let message = try TwilioMessageResource.decode(json: Data(Self.fetchExample.utf8))
        #expect(message.status == .sent)
        #expect(message.errorCode == 30007)
        #expect(message.priceMicros == 7_500)
        #expect(message.priceUnit == "USD")
        let report = message.statusReport
        #expect(report.providerMessageID == "SMb7c0a2ce80504485a6f653a7110836f5")
        #expect(report.status == .sent)
        #expect(report.error?.errorClass == .contentFiltered)
        #expect(report.error?.isCharged == true)  // reported with status sent: billed
        #expect(report.segments == 1)
        #expect(report.updatedAt == Date(timeIntervalSince1970: 1_558_718_308))
    }

    @Test func decodesAListPage() throws {
        let page = try TwilioMessagePage.decode(json: Data(Self.listExample.utf8))
        #expect(page.messages.count == 2)
        #expect(page.page == 0)
        #expect(page.pageSize == 2)
        #expect(page.nextPageURI?.hasSuffix("PageToken=PAMMc26223853f8c46b4ab7dfaa6abba0a26") == true)
        #expect(page.messages[1].sid.hasPrefix("MM"))
        #expect(page.messages[1].status == .received)
        #expect(page.messages[1].numMedia == 3)
        #expect(page.messages[1].errorCode == 30004)
        #expect(page.messages[1].error?.errorClass == .unknown)
    }

    @Test func aFailedCreateIsAFailedResult() throws {
        let json =
            #"{"sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "status": "failed", "error_code": 30006, "num_segments": "2"}"#
        let message = try TwilioMessageResource.decode(json: Data(json.utf8))
        let error = try #require(message.sendResult.error)
        #expect(error.code == "30006")
        #expect(error.disposition == .failRow(markNotTextable: true, optOut: false))
        #expect(!error.isCharged)
        let noCode = #"{"sid": "SMaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "status": "failed"}"#
        let bare = try TwilioMessageResource.decode(json: Data(noCode.utf8))
        #expect(bare.sendResult.error?.code == "status_failed")
        #expect(bare.sendResult.error?.errorClass == .unknown)
    }

    @Test func countsAsNumbersAndBadValues() throws {
        let numbers = #"{"sid": "SM1", "status": "delivered", "num_segments": 3, "error_code": "30003"}"#
        let message = try TwilioMessageResource.decode(json: Data(numbers.utf8))
        #expect(message.numSegments == 3)
        #expect(message.errorCode == 30003)
        for bad in [
            #"{"sid": "SM1", "status": "exploded"}"#,
            #"{"sid": "SM1", "status": "sent", "num_segments": "one"}"#,
            #"{"sid": "SM1", "status": "sent", "price": "free"}"#,
            #"{"sid": "SM1", "status": "sent", "date_sent": "2015-07-30T20:12:31Z"}"#,
            #"{"status": "sent"}"#,
        ] {
            #expect(throws: DecodingError.self) { try TwilioMessageResource.decode(json: Data(bad.utf8)) }
        }
    }

    /// Every response example of Twilio's OpenAPI description of Messages decodes (the examples are
    /// kept in Fixtures/twilio-message-examples.json, with their source).
    @Test func everyOpenAPIExampleDecodes() throws {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/twilio-message-examples.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: fixture)) as? [String: Any])
        let examples = try #require(root["examples"] as? [String: Any])
        var decoded = 0
        var statuses = Set<DeliveryStatus>()
        for (_, value) in examples {
            let body = try JSONSerialization.data(withJSONObject: value)
            if (value as? [String: Any])?["messages"] != nil {
                let page = try TwilioMessagePage.decode(json: body)
                decoded += page.messages.count
                statuses.formUnion(page.messages.map(\.status))
            } else {
                let message = try TwilioMessageResource.decode(json: body)
                #expect(message.sid.utf8.count == 34)
                statuses.insert(message.status)
                decoded += 1
            }
        }
        #expect(decoded >= 5)
        #expect(statuses.contains(.queued))
        // Every status value of the contract is one of ours.
        let values = root["statusValues"] as? [String] ?? []
        #expect(!values.isEmpty)
        for value in values { #expect(DeliveryStatus(rawValue: value) != nil, "\(value)") }
    }
}

/// Encoding writes Twilio's wire format, which decodes back to the same resource.
@Suite struct TwilioMessageResourceEncodingTests {
    @Test func roundTripsThroughTwiliosWireFormat() throws {
        let created = Date(timeIntervalSince1970: 1_790_000_000)
        let resource = TwilioMessageResource(
            sid: "SM0123", status: .undelivered, accountSID: "AC1", from: "+19195550100", to: "+19195550101",
            body: "Hi", direction: "outbound-api", numSegments: 2, numMedia: 0, priceMicros: 15_000, priceUnit: "USD",
            errorCode: 30003, errorMessage: "Unreachable destination handset", dateCreated: created,
            dateSent: created.addingTimeInterval(1), dateUpdated: created.addingTimeInterval(2),
            uri: "/2010-04-01/Accounts/AC1/Messages/SM0123.json")
        let json = try JSONEncoder().encode(resource)
        let object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        #expect(object["num_segments"] as? String == "2")
        #expect(object["price"] as? String == "-0.01500")
        #expect(object["date_created"] as? String == RFC2822Date.format(created))
        #expect(object["error_code"] as? Int == 30003)
        #expect(object["api_version"] as? String == "2010-04-01")
        #expect(object["messaging_service_sid"] is NSNull)
        #expect(try TwilioMessageResource.decode(json: json) == resource)
    }

    @Test func pricesAreWrittenAsTwilioBillsThem() {
        #expect(TwilioPrice.text(billedMicros: 7_500) == "-0.00750")
        #expect(TwilioPrice.text(billedMicros: 1_234_560) == "-1.23456")
        #expect(TwilioPrice.text(billedMicros: -1_000) == "0.00100")
        for micros: Int64 in [0, 1, 7_500, 15_000, 999_999, 1_000_000, -42] {
            #expect(TwilioPrice.billedMicros(TwilioPrice.text(billedMicros: micros)) == micros)
        }
    }
}
