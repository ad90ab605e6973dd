import ArgumentParser

/// The `amplifi` command: one binary, one subcommand per process role.
@main
struct Amplifi: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "amplifi",
        abstract: "Amplifi Dispatch: the campaign send engine.",
        subcommands: [MigrateCommand.self, MessageCommand.self, DemoCommand.self]
    )
}
