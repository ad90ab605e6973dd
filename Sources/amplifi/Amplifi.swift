import AmplifiObservability
import ArgumentParser

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
}
