import AmplifiCarrierSimulator
import AmplifiCarriers
import AmplifiMessaging
import Foundation
import Testing

@Suite("CarrierSimulatorServer over HTTP with TwilioCarrier")
struct CarrierSimulatorServerTests {
    typealias H = SimulatorHarness

    @Test func batchIsAcceptedCallbacksAreSignedAndFetchAdvances() async throws {
        try await H.withReceiver(authToken: CarrierSimulatorConfiguration.demoAuthToken) { receiver in
            try await H.withSimulator(CarrierSimulatorConfiguration(callbackDelay: .milliseconds(10))) {
                carrier, baseURL in
                let batch = H.messages(12) { "\(receiver.baseURL)/status?message=\($0)&kind=a%20b" }
                let results = await carrier.send(batch)
                let sids = results.compactMap(\.providerMessageID)
                #expect(sids.count == 12)
                #expect(Set(sids).count == 12)
                #expect(sids.allSatisfy { $0.hasPrefix("SM") && $0.count == 34 })
                let done = await H.eventually {
                    receiver.posts.filter { $0.value("MessageStatus") == "delivered" }.count == 12
                }
                #expect(done)
                let posts = receiver.posts
                #expect(posts.allSatisfy { $0.signatureValid })
                for sid in sids {
                    let statuses = posts.filter { $0.value("MessageSid") == sid }.compactMap {
                        $0.value("MessageStatus")
                    }
                    #expect(statuses == ["queued", "sent", "delivered"])
                    let report = try await carrier.fetch(providerMessageID: sid)
                    #expect(report?.status == .delivered)
                    #expect(report?.segments == 1)
                    #expect(report?.priceMicros == SimulatedCarrier.priceMicrosPerSegment)
                }
                #expect(try await carrier.fetch(providerMessageID: "SM" + String(repeating: "0", count: 32)) == nil)
                let (status, data) = try await H.request(
                    "GET", baseURL + "/sim/stats", authorization: H.demoAuthorization)
                #expect(status == 200)
                let stats = try JSONDecoder().decode(CarrierSimulatorStats.self, from: data)
                #expect(stats.created == 12)
                #expect(stats.callbacksSent == 36)
                #expect(stats.byStatus["delivered"] == 12)
                #expect(stats.duplicates == 0)
            }
        }
    }

    @Test func outOfOrderAndDuplicateCallbacksKeepTheSameSet() async throws {
        try await H.withReceiver(authToken: "tok") { receiver in
            let configuration = CarrierSimulatorConfiguration(
                authToken: "tok", callbackDelay: .milliseconds(5), outOfOrderRate: 1, duplicateRate: 1)
            try await H.withSimulator(configuration) { carrier, _ in
                let sids = await carrier.send(H.messages(5) { _ in "\(receiver.baseURL)/cb" }).compactMap(
                    \.providerMessageID)
                #expect(sids.count == 5)
                #expect(await H.eventually { receiver.posts.count == 20 })
                #expect(receiver.posts.allSatisfy { $0.signatureValid })
                for sid in sids {
                    let statuses = receiver.posts.filter { $0.value("SmsSid") == sid }.compactMap {
                        $0.value("SmsStatus")
                    }
                    // Posted in the plan's order (delivered before the second sent), one delay apart;
                    // arrival order is not guaranteed (as with Twilio), the multiset is.
                    #expect(statuses.sorted() == ["delivered", "queued", "sent", "sent"])
                    #expect(Set(statuses) == ["queued", "sent", "delivered"])
                    let fetched = try await carrier.fetch(providerMessageID: sid)
                    #expect(fetched?.status == .delivered)
                }
            }
        }
    }

    @Test func undeliveredAndFailedCarryErrorCodes() async throws {
        try await H.withReceiver(authToken: CarrierSimulatorConfiguration.demoAuthToken) { receiver in
            let configuration = CarrierSimulatorConfiguration(
                carrier: SimulatedCarrierConfiguration(seed: 7), undeliveredRate: 0.5, failedRate: 0.5,
                callbackDelay: .milliseconds(5))
            try await H.withSimulator(configuration) { carrier, _ in
                let sids = await carrier.send(H.messages(10) { _ in "\(receiver.baseURL)/cb" }).compactMap(
                    \.providerMessageID)
                #expect(sids.count == 10)
                let finals = {
                    receiver.posts.filter { ["undelivered", "failed"].contains($0.value("MessageStatus")) }
                }
                #expect(await H.eventually { finals().count == 10 })
                for post in finals() {
                    let code = Int(post.value("ErrorCode") ?? "")
                    if post.value("MessageStatus") == "failed" {
                        #expect(code == 30008)
                    } else {
                        #expect([30003, 30005, 30006].contains(code ?? 0))
                    }
                    let report = try await carrier.fetch(providerMessageID: post.value("MessageSid") ?? "")
                    #expect(report?.status.rawValue == post.value("MessageStatus"))
                    #expect(report?.error?.code == post.value("ErrorCode"))
                }
            }
        }
    }

    @Test func listFollowsPagesNewestFirstAndStatusesAdvanceWithoutCallbacks() async throws {
        let configuration = CarrierSimulatorConfiguration(
            callbackDelay: .milliseconds(10), callbacksEnabled: false, maxPageSize: 2)
        try await H.withSimulator(configuration) { carrier, baseURL in
            let to = PhoneNumber(trustedE164: "+19195550199")
            let mine = await carrier.send(H.messages(5, to: to)).compactMap(\.providerMessageID)
            _ = await carrier.send(H.messages(3))
            #expect(mine.count == 5)
            let listed = try await carrier.listMessages(to: to, sentOnOrAfter: Date())
            // The batch is sent concurrently: creation order is the sids' order (their sequence part).
            #expect(listed.map(\.report.providerMessageID) == mine.sorted().reversed())
            #expect(listed.allSatisfy { $0.to == to.e164 && $0.from == "+19195550100" })
            let tomorrow = try await carrier.listMessages(to: to, sentOnOrAfter: Date().addingTimeInterval(86_400))
            #expect(tomorrow.isEmpty)
            #expect(
                try await H.eventually { try await carrier.fetch(providerMessageID: mine[0])?.status == .delivered })
            let auth = H.basic(configuration.accountSID, configuration.authToken)
            let (status, data) = try await H.request(
                "GET", baseURL + "/2010-04-01/Accounts/\(configuration.accountSID)/Messages.json?PageSize=2",
                authorization: auth)
            #expect(status == 200)
            let page = try TwilioMessagePage.decode(json: data)
            #expect(page.messages.count == 2)
            #expect(page.nextPageURI?.contains("PageToken=") == true)
        }
    }

    @Test func lookupAnswersTheSimulatedLineType() async throws {
        try await H.withSimulator { carrier, _ in
            for digits in ["+19195550100", "+14155550123", "+12125550000"] {
                let phone = PhoneNumber(trustedE164: digits)
                let lineType = try await carrier.lookupLineType(phone)
                #expect(lineType == SimulatedCarrier.simulatedLineType(phone))
            }
            let invalid = try await carrier.lookupLineType(PhoneNumber(trustedE164: "+1555"))
            #expect(invalid == nil)
        }
    }

    @Test func credentialsAreChecked() async throws {
        let configuration = CarrierSimulatorConfiguration(apiKeySID: "SKtestkey", apiKeySecret: "key-secret")
        try await H.withSimulator(configuration, credentials: .authToken("wrong")) { carrier, baseURL in
            let error = await carrier.send(H.messages(1))[0].error
            #expect(error?.code == "20003")
            #expect(error?.errorClass == .senderOrCredentials)
            #expect(error?.httpStatus == 401)
            await #expect(throws: CarrierError.self) {
                try await carrier.lookupLineType(PhoneNumber(trustedE164: "+19195550100"))
            }
            let (status, _) = try await H.request(
                "GET", baseURL + "/2010-04-01/Accounts/ACother/Messages.json",
                authorization: H.basic(configuration.accountSID, configuration.authToken))
            #expect(status == 404)
        }
        try await H.withSimulator(configuration, credentials: .apiKey(sid: "SKtestkey", secret: "key-secret")) {
            carrier, _ in
            #expect(await carrier.send(H.messages(2)).allSatisfy { $0.providerMessageID != nil })
        }
    }

    @Test func rateLimitIsRetryableWithRetryAfter() async throws {
        let configuration = CarrierSimulatorConfiguration(
            carrier: SimulatedCarrierConfiguration(rateLimitRate: 1, rateLimitRetryAfter: .seconds(2)))
        try await H.withSimulator(configuration) { carrier, baseURL in
            let error = await carrier.send(H.messages(1))[0].error
            #expect(error?.code == "20429")
            #expect(error?.httpStatus == 429)
            #expect(error?.errorClass == .retryableRequest)
            #expect(error?.retryAfter == .seconds(2))
            #expect(error?.disposition == .retryBatchLater(retryAfter: .seconds(2)))
            let (_, data) = try await H.request("GET", baseURL + "/sim/stats", authorization: H.demoAuthorization)
            let stats = try JSONDecoder().decode(CarrierSimulatorStats.self, from: data)
            #expect(stats.refused == 1 && stats.refusedByCode["20429"] == 1 && stats.created == 0)
        }
    }

    @Test func requestsAreValidatedLikeTwilio() async throws {
        let configuration = CarrierSimulatorConfiguration()
        try await H.withSimulator(configuration) { carrier, baseURL in
            let invalid = OutboundMessage(
                id: 1, orgID: UUID(), from: PhoneNumber(trustedE164: "+19195550100"),
                to: PhoneNumber(trustedE164: "+1555"), body: "hi")
            let error = await carrier.send([invalid])[0].error
            #expect(error?.code == "21211")
            #expect(error?.errorClass == .permanentForRecipient)
            let url = baseURL + "/2010-04-01/Accounts/\(configuration.accountSID)/Messages.json"
            let auth = H.basic(configuration.accountSID, configuration.authToken)
            let cases: [([(key: String, value: String)], Int)] = [
                ([("From", "+19195550100"), ("Body", "x")], 21604),
                ([("To", "+19195550101"), ("Body", "x")], 21603),
                ([("To", "+19195550101"), ("From", "+19195550100")], 21602),
                ([("To", "+19195550101"), ("From", "+19195550100"), ("Body", "x"), ("ValidityPeriod", "0")], 21624),
                (
                    [("To", "+19195550101"), ("From", "+19195550100"), ("Body", "x"), ("ValidityPeriod", "36001")],
                    21624
                ),
            ]
            for (form, code) in cases {
                let (status, data) = try await H.request("POST", url, form: form, authorization: auth)
                #expect(status == 400)
                #expect(try JSONDecoder().decode(TwilioErrorResponse.self, from: data).code == code)
            }
            let (status, data) = try await H.request(
                "POST", url,
                form: [
                    ("To", "+19195550101"), ("MessagingServiceSid", "MG" + String(repeating: "a", count: 32)),
                    ("MediaUrl", "https://example.com/a.png"),
                ],
                authorization: auth)
            #expect(status == 201)
            let resource = try TwilioMessageResource.decode(json: data)
            #expect(resource.status == .queued && resource.numMedia == 1 && resource.dateCreated != nil)
        }
    }

    @Test func inboundPostsASignedWebhook() async throws {
        try await H.withReceiver(authToken: CarrierSimulatorConfiguration.demoAuthToken) { receiver in
            let configuration = CarrierSimulatorConfiguration(inboundURL: receiver.baseURL + "/inbound")
            try await H.withSimulator(configuration) { _, baseURL in
                let (status, _) = try await H.request(
                    "POST", baseURL + "/sim/inbound",
                    form: [("From", "+19195550123"), ("To", "+19195550100"), ("Body", "STOP")],
                    authorization: H.demoAuthorization)
                #expect(status == 200)
                let (jsonStatus, _) = try await H.request(
                    "POST", baseURL + "/sim/inbound",
                    json: #"{"From": "+19195550124", "To": "+19195550100", "Body": "yes"}"#,
                    authorization: H.demoAuthorization)
                #expect(jsonStatus == 200)
                let posts = receiver.posts
                #expect(posts.count == 2)
                #expect(posts.allSatisfy { $0.signatureValid })
                #expect(posts[0].value("Body") == "STOP" && posts[0].value("SmsStatus") == "received")
                #expect(posts[0].value("MessageSid")?.hasPrefix("SM") == true && posts[0].value("NumMedia") == "0")
                #expect(
                    posts[1].value("From") == "+19195550124" && posts[1].value("AccountSid") == configuration.accountSID
                )
                let (_, data) = try await H.request("GET", baseURL + "/sim/stats", authorization: H.demoAuthorization)
                #expect(try JSONDecoder().decode(CarrierSimulatorStats.self, from: data).inboundSent == 2)
                let (health, _) = try await H.request("GET", baseURL + "/healthz")
                #expect(health == 200)
                // Only the account may drive the simulator.
                let (anonymous, _) = try await H.request("GET", baseURL + "/sim/stats")
                #expect(anonymous == 401)
                let (anonymousInbound, _) = try await H.request(
                    "POST", baseURL + "/sim/inbound",
                    form: [("From", "+19195550125"), ("To", "+19195550100"), ("Body", "STOP")])
                #expect(anonymousInbound == 401)
            }
        }
    }

    @Test func failedCallbackPostsAreRetried() async throws {
        try await H.withReceiver(failFirst: 2) { receiver in
            try await H.withSimulator(CarrierSimulatorConfiguration(callbackDelay: .milliseconds(5))) {
                carrier, baseURL in
                let sid = try #require(
                    await carrier.send(H.messages(1) { _ in "\(receiver.baseURL)/cb" })[0].providerMessageID)
                // The first post was answered 503 twice, then accepted: three distinct statuses, five
                // posts (the retried one may arrive after the later steps: the timeline does not wait).
                #expect(await H.eventually { receiver.posts.count == 5 })
                #expect(
                    Set(receiver.posts.compactMap { $0.value("MessageStatus") }) == ["queued", "sent", "delivered"])
                #expect(receiver.posts.allSatisfy { $0.value("MessageSid") == sid && $0.signatureValid })
                #expect(
                    await H.eventually {
                        guard
                            let (_, data) = try? await H.request(
                                "GET", baseURL + "/sim/stats", authorization: H.demoAuthorization),
                            let stats = try? JSONDecoder().decode(CarrierSimulatorStats.self, from: data)
                        else { return false }
                        return stats.callbacksSent == 3 && stats.callbacksFailed == 0
                    })
            }
        }
    }

    @Test func aFullCallbackQueueDropsStepsAndStatusesStillAdvance() async throws {
        try await H.withReceiver { receiver in
            let configuration = CarrierSimulatorConfiguration(
                callbackDelay: .milliseconds(5), maxConcurrentCallbacks: 1, callbackQueueCapacity: 1)
            try await H.withSimulator(configuration) { carrier, baseURL in
                let sids = await carrier.send(H.messages(8) { _ in "\(receiver.baseURL)/cb" }).compactMap(
                    \.providerMessageID)
                #expect(sids.count == 8)
                let allDelivered = try await H.eventually {
                    for sid in sids where try await carrier.fetch(providerMessageID: sid)?.status != .delivered {
                        return false
                    }
                    return true
                }
                #expect(allDelivered)
                let (_, data) = try await H.request("GET", baseURL + "/sim/stats", authorization: H.demoAuthorization)
                let stats = try JSONDecoder().decode(CarrierSimulatorStats.self, from: data)
                #expect(stats.callbacksDropped > 0)
                #expect(stats.byStatus["delivered"] == 8)
            }
        }
    }

    @Test func aRepeatedMessageCountsAsADuplicate() async throws {
        try await H.withSimulator(CarrierSimulatorConfiguration(callbacksEnabled: false)) { carrier, baseURL in
            let batch = H.messages(3)
            _ = await carrier.send(batch)
            _ = await carrier.send([batch[0]])
            let (_, data) = try await H.request("GET", baseURL + "/sim/stats", authorization: H.demoAuthorization)
            let stats = try JSONDecoder().decode(CarrierSimulatorStats.self, from: data)
            #expect(stats.created == 4 && stats.duplicates == 1)
        }
    }
}
