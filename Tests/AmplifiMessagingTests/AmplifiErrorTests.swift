import AmplifiMessaging
import Testing

@Suite("Error vocabulary")
struct AmplifiErrorTests {
    @Test("Codes keep their wire spelling")
    func codes() {
        #expect(AmplifiErrorCode.validationFailed.rawValue == "VALIDATION_FAILED")
        #expect(AmplifiErrorCode.contactOptedOut.description == "CONTACT_OPTED_OUT")
        #expect(AmplifiErrorCode.invalidTransition == "INVALID_TRANSITION")
        #expect(AmplifiErrorCode.unknownTimezone == AmplifiErrorCode("UNKNOWN_TIMEZONE"))
        let all: [AmplifiErrorCode] = [
            .validationFailed, .contactOptedOut, .contactNonTextable, .contactNotFound, .noFromNumber,
            .insufficientCredits, .notFound, .forbidden, .conflict, .invalidTransition, .unknownTimezone,
        ]
        #expect(Set(all).count == all.count)
    }

    @Test("Description is CODE: field: message")
    func description() {
        let error = MessageValidationError(.emptyBody)
        #expect(error.description == "VALIDATION_FAILED: message: \(error.message)")
        let transition = CampaignTransitionError(from: .completed, to: .sending)
        #expect(transition.description.hasPrefix("INVALID_TRANSITION: status: "))
    }

    @Test("Every error type is an AmplifiError")
    func conformances() {
        let errors: [any AmplifiError] = [
            PhoneNumberError(.empty), MessageValidationError(.bodyTooLong, detail: "1601"),
            MergeTemplateError(.emptyField, position: 1), QuietHoursError(.missingTimezone),
            CampaignTransitionError(from: .draft, to: .completed), ABSamplerError(samplePercent: 90),
        ]
        for error in errors {
            #expect(!error.message.isEmpty)
            #expect(error.description.hasPrefix(error.code.rawValue))
        }
    }
}
