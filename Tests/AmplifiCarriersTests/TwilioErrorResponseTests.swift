import AmplifiCarriers
import Foundation
import Testing

@Suite struct TwilioErrorResponseTests {
    @Test func twilioErrorJSONBecomesACarrierError() {
        let body =
            #"{"code": 21211, "message": "The 'To' number +15005550001 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#
        let error = TwilioErrorResponse.carrierError(httpStatus: 400, body: Data(body.utf8))
        #expect(error.code == "21211")
        #expect(error.httpStatus == 400)
        #expect(error.moreInfo == "https://www.twilio.com/docs/errors/21211")
        #expect(error.disposition == .failRow(markNotTextable: false, optOut: false))
        // The carrier's text names the recipient: it must not reach our description.
        #expect(!error.description.contains("+1500"))
    }

    @Test func optOutAndRateLimitBodies() {
        let optOut =
            #"{"code": 21610, "message": "Attempt to send to unsubscribed recipient", "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400}"#
        #expect(
            TwilioErrorResponse.carrierError(httpStatus: 400, body: Data(optOut.utf8)).disposition
                == .failRow(markNotTextable: false, optOut: true))
        let tooMany =
            #"{"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}"#
        let error = TwilioErrorResponse.carrierError(httpStatus: 429, body: Data(tooMany.utf8), retryAfterHeader: "12")
        #expect(error.code == "20429")
        #expect(error.disposition == .retryBatchLater(retryAfter: .seconds(12)))
    }

    @Test func theConcurrencyHeaderMarksTheAccountsConcurrencyLimit() {
        let tooMany =
            #"{"code": 20429, "message": "Too Many Requests", "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}"#
        let limited = TwilioErrorResponse.carrierError(
            httpStatus: 429, body: Data(tooMany.utf8), concurrentRequestsHeader: " 101 ")
        #expect(limited.concurrentRequests == 101)
        #expect(limited.isConcurrencyLimit)
        #expect(limited.errorClass == .retryableRequest)
        let throttled = TwilioErrorResponse.carrierError(
            httpStatus: 429, body: Data(tooMany.utf8), retryAfterHeader: "1")
        #expect(throttled.concurrentRequests == nil)
        #expect(!throttled.isConcurrencyLimit && throttled.isTooManyRequests)
        for bad in ["", "many", "-1", "+3", "1.5", "999999999999"] {
            #expect(TwilioErrorResponse.parseConcurrentRequests(bad) == nil, "\(bad)")
        }
        #expect(
            TwilioErrorResponse.carrierError(httpStatus: 429, body: Data(), concurrentRequestsHeader: "7")
                .isConcurrencyLimit)
    }

    @Test func nonJSONBodiesFallBackOnTheStatus() {
        let gateway = TwilioErrorResponse.carrierError(httpStatus: 502, body: Data("<html>Bad Gateway</html>".utf8))
        #expect(gateway.code == "http_502")
        #expect(gateway.errorClass == .retryableRequest)
        let empty = TwilioErrorResponse.carrierError(httpStatus: 429, body: Data())
        #expect(empty.code == "http_429")
        #expect(empty.disposition == .retryBatchLater(retryAfter: nil))
        let noCode = TwilioErrorResponse.carrierError(httpStatus: 400, body: Data(#"{"message": "x"}"#.utf8))
        #expect(noCode.code == "http_400")
        #expect(noCode.errorClass == .unknown)
    }

    @Test func retryAfterHeader() {
        let now = Date(timeIntervalSince1970: 1_438_287_151)
        #expect(TwilioErrorResponse.parseRetryAfter("30", now: now) == .seconds(30))
        #expect(TwilioErrorResponse.parseRetryAfter(" 0 ", now: now) == .seconds(0))
        #expect(TwilioErrorResponse.parseRetryAfter("Thu, 30 Jul 2015 20:12:41 GMT", now: now) == .seconds(10))
        #expect(TwilioErrorResponse.parseRetryAfter("Thu, 30 Jul 2015 20:12:01 GMT", now: now) == .seconds(0))
        #expect(TwilioErrorResponse.parseRetryAfter("soon", now: now) == nil)
        #expect(TwilioErrorResponse.parseRetryAfter("-3", now: now) == nil)
    }

    @Test(arguments: [
        ("99999999999999999999", Duration?.some(.seconds(600))),
        ("3600000", .some(.seconds(600))),
        ("600", .some(.seconds(600))),
        ("601", .some(.seconds(600))),
        ("599", .some(.seconds(599))),
        ("-5", nil),
        ("abc", nil),
        ("", nil),
        ("1.5", nil),
        ("+30", nil),
        ("Fri, 31 Dec 9999 23:59:59 GMT", .some(.seconds(600))),
    ])
    func retryAfterNeverTrapsAndIsCapped(_ header: String, _ expected: Duration?) {
        let now = Date(timeIntervalSince1970: 1_438_287_151)
        #expect(TwilioErrorResponse.parseRetryAfter(header, now: now) == expected, "\(header)")
        let error = TwilioErrorResponse.carrierError(httpStatus: 429, body: Data(), retryAfterHeader: header, now: now)
        #expect(error.disposition == .retryBatchLater(retryAfter: expected))
    }

    @Test func prices() {
        #expect(TwilioPrice.billedMicros("-0.00750") == 7_500)
        #expect(TwilioPrice.billedMicros("-0.0075") == 7_500)
        #expect(TwilioPrice.billedMicros("-1.5") == 1_500_000)
        #expect(TwilioPrice.billedMicros("0.001") == -1_000)
        #expect(TwilioPrice.billedMicros("-0.00000049") == 0)
        #expect(TwilioPrice.billedMicros("0") == 0)
        for bad in ["", "-", ".", "1.2.3", "abc", "-0,0075", "1e3"] {
            #expect(TwilioPrice.billedMicros(bad) == nil, "\(bad)")
        }
    }
}
