import ArgumentParser

/// `--database-url`, defaulting to `AMPLIFI_DATABASE_URL`.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .customLong("database-url"),
        help: ArgumentHelp("Postgres URL (default: $AMPLIFI_DATABASE_URL).", valueName: "url"))
    var databaseURL: String?

    /// The URL to use, or a usage error that says how to provide one.
    func resolvedURL() throws -> String {
        if let databaseURL { return databaseURL }
        if let url = Environment.value("AMPLIFI_DATABASE_URL"), !url.isEmpty { return url }
        throw ValidationError(
            "no database configured: set AMPLIFI_DATABASE_URL (e.g. postgres://user@127.0.0.1:5432/amplifi) "
                + "or pass --database-url")
    }
}
