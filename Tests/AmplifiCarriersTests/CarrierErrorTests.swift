import AmplifiCarriers
import Testing

/// Every row of the carrier error table (docs/architecture.md#carrier-errors), code by code.
@Suite struct CarrierErrorTests {
    /// (code, class, disposition, charged when refused) for every code of the table.
    static let expectations: [(String, CarrierErrorClass, CarrierErrorDisposition)] = [
        ("http_429", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("20429", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("http_500", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("http_502", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("http_503", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("20500", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("20503", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("timeout", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("connection_failed", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("connect_failed", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("connect_timeout", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("pool_timeout", .retryableRequest, .retryBatchLater(retryAfter: nil)),
        ("concurrency_budget_timeout", .retryableRequest, .notSent),
        ("response_timeout", .ambiguous, .settleLater),
        ("connection_lost", .ambiguous, .settleLater),
        ("invalid_response", .ambiguous, .settleLater),
        ("21611", .senderQueueFull, .retryBatchLater(retryAfter: nil)),
        ("30001", .senderQueueFull, .retryBatchLater(retryAfter: nil)),
        ("30003", .unreachable, .retryRow(maxAttempts: 3)),
        ("30008", .unreachable, .retryRow(maxAttempts: 3)),
        ("21211", .permanentForRecipient, .failRow(markNotTextable: false, optOut: false)),
        ("30005", .permanentForRecipient, .failRow(markNotTextable: false, optOut: false)),
        ("21614", .permanentForRecipient, .failRow(markNotTextable: true, optOut: false)),
        ("30006", .permanentForRecipient, .failRow(markNotTextable: true, optOut: false)),
        ("21610", .optedOutAtCarrier, .failRow(markNotTextable: false, optOut: true)),
        ("21408", .accountSetting, .pauseCampaign(reason: "carrier_account_setting")),
        ("20003", .senderOrCredentials, .pauseCampaign(reason: "carrier_auth_failed")),
        ("http_401", .senderOrCredentials, .pauseCampaign(reason: "carrier_auth_failed")),
        ("21212", .senderOrCredentials, .pauseCampaign(reason: "carrier_sender_invalid")),
        ("21606", .senderOrCredentials, .pauseCampaign(reason: "carrier_sender_invalid")),
        ("21660", .senderOrCredentials, .pauseCampaign(reason: "carrier_sender_invalid")),
        ("30007", .contentFiltered, .contentFiltered),
    ]

    @Test(arguments: expectations.indices)
    func everyCodeOfTheTable(_ index: Int) {
        let (code, errorClass, disposition) = Self.expectations[index]
        let error = CarrierError(code: code)
        #expect(error.code == code)
        #expect(error.errorClass == errorClass)
        #expect(error.disposition == disposition)
        // Refused at request time: the message never existed at the carrier, so it is not charged.
        #expect(!error.isCharged)
        #expect(!error.message.isEmpty)
        #expect(error.description.contains(code))
    }

    @Test func everyTableCodeIsTested() {
        let tested = Set(Self.expectations.map(\.0))
        let inTable = Set(CarrierErrorTable.rows.flatMap(\.codes)).subtracting(["http_5xx"])
        #expect(inTable.isSubset(of: tested))
        let all = CarrierErrorTable.rows.flatMap(\.codes)
        #expect(all.count == Set(all).count, "a code appears in two rows")
    }

    @Test func twilioCodesFromIntegers() {
        #expect(CarrierError(twilioCode: 21610).errorClass == .optedOutAtCarrier)
        #expect(CarrierError(twilioCode: 21610).code == "21610")
    }

    @Test func retryAfterTravelsInTheDisposition() {
        let error = CarrierError(twilioCode: 20429, httpStatus: 429, retryAfter: .seconds(7))
        #expect(error.disposition == .retryBatchLater(retryAfter: .seconds(7)))
        #expect(
            CarrierError.http(status: 429, retryAfter: .seconds(2)).disposition
                == .retryBatchLater(retryAfter: .seconds(2)))
        // A retryAfter on a non-retry class does not change its disposition.
        #expect(
            CarrierError(twilioCode: 21211, retryAfter: .seconds(3)).disposition
                == .failRow(markNotTextable: false, optOut: false))
    }

    @Test func tooManyRequestsIsARetryableRefusalNeverAmbiguous() {
        // Twilio's 20429 (also its concurrent-request limit) and any 429 created nothing.
        for error in [
            CarrierError(twilioCode: 20429, httpStatus: 429), CarrierError.http(status: 429),
            CarrierError(code: "29999", httpStatus: 429), CarrierError(twilioCode: 20429),
        ] {
            #expect(error.isTooManyRequests)
            #expect(error.errorClass == .retryableRequest)
            #expect(!error.isAmbiguous)
            #expect(!error.isCharged)
        }
        #expect(!CarrierError(code: "http_503", httpStatus: 503).isTooManyRequests)
        #expect(!CarrierError.concurrencyBudgetTimeout.isTooManyRequests)
        #expect(CarrierError.concurrencyBudgetTimeout.disposition == .notSent)
    }

    @Test func senderQueueFullSlowsTheNumber() {
        #expect(CarrierError(code: "30001").slowsSender)
        #expect(CarrierError(code: "21611").slowsSender)
        #expect(!CarrierError(code: "http_429").slowsSender)
    }

    @Test func unknownCodesFailTheRowAndKeepTheCode() {
        let error = CarrierError(code: "63016")
        #expect(error.code == "63016")
        #expect(error.errorClass == .unknown)
        #expect(error.disposition == .failRow(markNotTextable: false, optOut: false))
        #expect(error.description.contains("63016"))
        #expect(CarrierError.http(status: 404).errorClass == .unknown)
        #expect(CarrierError.http(status: 404).code == "http_404")
    }

    @Test func unknownCodesFallBackOnTheHTTPStatus() {
        #expect(CarrierError(code: "20001", httpStatus: 503).errorClass == .retryableRequest)
        #expect(CarrierError(code: "29999", httpStatus: 429).errorClass == .retryableRequest)
        #expect(CarrierError(code: "20005", httpStatus: 401).errorClass == .senderOrCredentials)
        #expect(CarrierError(code: "21999", httpStatus: 400).errorClass == .unknown)
        // A known code wins over the status.
        #expect(CarrierError(code: "21211", httpStatus: 500).errorClass == .permanentForRecipient)
    }

    @Test func chargedFollowsTheReportedStatus() {
        // Twilio charges sent, delivered and undelivered messages, not failed ones.
        #expect(CarrierError(twilioCode: 30003, carrierStatus: .undelivered).isCharged)
        #expect(!CarrierError(twilioCode: 30003, carrierStatus: .failed).isCharged)
        #expect(CarrierError(twilioCode: 30007, carrierStatus: .undelivered).isCharged)
        #expect(!CarrierError(twilioCode: 21610, httpStatus: 400).isCharged)
        #expect(!CarrierError.timeout.isCharged)
    }

    @Test func ambiguousOutcomesAreSettledNeverRetried() {
        for error in [CarrierError.responseTimeout, .connectionLost, .invalidResponse(httpStatus: 201)] {
            #expect(error.isAmbiguous)
            #expect(error.errorClass == .ambiguous)
            #expect(error.disposition == .settleLater)
            // Not charged as far as Twilio's rule goes; the engine keeps the debit until settled anyway.
            #expect(!error.isCharged)
            #expect(error.message.contains("may exist"))
        }
        for error in [CarrierError.connectFailed, .connectTimeout, .poolTimeout, .timeout, .connectionFailed] {
            #expect(!error.isAmbiguous)
            #expect(error.disposition == .retryBatchLater(retryAfter: nil))
            #expect(error.message.contains("never reached the carrier"))
        }
        // A 2xx status does not make an unknown code ambiguous: only the table's rows are.
        #expect(!CarrierError(code: "http_202", httpStatus: 202).isAmbiguous)
    }

    @Test func retryAfterIsCappedWhereverItComesFrom() {
        #expect(CarrierError.maxRetryAfter == .seconds(600))
        #expect(CarrierError.http(status: 429, retryAfter: .seconds(86_400)).retryAfter == .seconds(600))
        #expect(CarrierError(twilioCode: 20429, retryAfter: .seconds(-5)).retryAfter == .zero)
        #expect(CarrierError.http(status: 429, retryAfter: .seconds(3)).retryAfter == .seconds(3))
        #expect(CarrierError.capped(.seconds(Int64.max)) == .seconds(600))
    }

    @Test func contentFilterPauseReason() {
        #expect(CarrierErrorTable.contentFilterPauseReason == "carrier_errors")
    }
}
