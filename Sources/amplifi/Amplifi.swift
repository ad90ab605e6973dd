import AmplifiObservability
import ArgumentParser
import Foundation

/// The `amplifi` command: one binary, one subcommand per process role.
@main
struct Amplifi: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amplifi",
        abstract: "Amplifi Dispatch: the campaign send engine.",
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
