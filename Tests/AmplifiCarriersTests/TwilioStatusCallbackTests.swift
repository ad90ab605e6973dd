import AmplifiCarriers
import Testing

@Suite struct TwilioStatusCallbackTests {
    @Test func parsesACallbackBody() throws {
        let body =
            "ApiVersion=2010-04-01&MessageStatus=undelivered&SmsSid=SM1&SmsStatus=undelivered"
            + "&To=%2B15558675310&MessageSid=SM1&AccountSid=AC1&From=%2B15017122661&ErrorCode=30003"
        let report = try #require(TwilioStatusCallback.report(fields: FormURLEncoding.decode(body)))
        #expect(report.providerMessageID == "SM1")
        #expect(report.status == .undelivered)
        #expect(report.error?.code == "30003")
        #expect(report.error?.disposition == .retryRow(maxAttempts: 3))
        #expect(report.error?.isCharged == true)
    }

    @Test func olderSmsFieldsAndMissingOnes() throws {
        let old = try #require(TwilioStatusCallback.report(fields: [("SmsSid", "SM2"), ("SmsStatus", "delivered")]))
        #expect(old.status == .delivered)
        #expect(old.error == nil)
        #expect(TwilioStatusCallback.report(fields: [("MessageStatus", "sent")]) == nil)
        #expect(TwilioStatusCallback.report(fields: [("MessageSid", "SM3"), ("MessageStatus", "weird")]) == nil)
    }
}
