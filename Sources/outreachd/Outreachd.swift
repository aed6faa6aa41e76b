import ArgumentParser

@main
struct Outreachd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outreachd",
        abstract: "Proactive customer outreach: birthdays, check-ins, ticket follow-ups, surveys.",
        discussion: "Every subcommand reads --config (default: $OUTREACHD_CONFIG, else /etc/outreachd/outreachd.toml).",
        subcommands: [InitCommand.self, CheckCommand.self, PreviewCommand.self, ExplainCommand.self, ForecastCommand.self, ImportCommand.self]
    )
}
