import AmplifiObservability
import ArgumentParser
import Foundation

/// The `amplifi` command: one binary, one subcommand per process role.
@main
struct Amplifi: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amplifi",
        abstract: "Amplifi Dispatch: the campaign send engine.",
        discussion: """
            Every command reads its settings from flags or, for the ones a deployment sets, from the \
            environment: AMPLIFI_DATABASE_URL, AMPLIFI_REDIS_URL, AMPLIFI_CARRIER and the rest each \
            command's --help names. For every command: AMPLIFI_LOG_FORMAT (text, the default, or json: \
            one JSON object per line) and AMPLIFI_LOG_LEVEL (trace ... critical, default info); logs go \
            to standard error. The Twilio carrier (AMPLIFI_CARRIER=twilio) reads TWILIO_ACCOUNT_SID and \
            TWILIO_AUTH_TOKEN (or TWILIO_API_KEY_SID and TWILIO_API_KEY_SECRET to send with an API key; \
            the auth token still verifies webhooks), TWILIO_BASE_URL (default https://api.twilio.com; \
            the carrier simulator's URL in a test), TWILIO_LOOKUP_BASE_URL and \
            TWILIO_MESSAGING_SERVICE_SID (optional).
            """,
        version: AmplifiVersion.description,
        subcommands: [
            MigrateCommand.self, OrgCommand.self, PhoneNumberCommand.self, ContactsCommand.self, CampaignCommand.self,
            SchedulerCommand.self, WorkerCommand.self, ReceiverCommand.self, LookupCommand.self, APICommand.self,
            APIKeyCommand.self, SegmentCommand.self, CarrierSimCommand.self,
            BackfillStatusCommand.self, MessageCommand.self, DemoCommand.self, BenchCommand.self, ChaosCommand.self,
        ]
    )

    /// Sets the log format and level of every command (`AMPLIFI_LOG_FORMAT`, `AMPLIFI_LOG_LEVEL`):
    /// the long-running roles and the one-shot commands a CronJob or an init container runs
    /// (`migrate`, `backfill-status`) alike. Logs go to standard error; a command's output (its
    /// report, `--json`) to standard output. Then parses and runs the command.
    static func main() async {
        do {
            try LogSetup(environment: ProcessInfo.processInfo.environment).bootstrap()
        } catch {
            exit(withError: ValidationError(error.description))
        }
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
