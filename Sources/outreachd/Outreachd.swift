import ArgumentParser
import Foundation
import OutreachCore

@main
struct Outreachd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outreachd",
        abstract: "Proactive customer outreach: birthdays, check-ins, ticket follow-ups, surveys.",
        discussion: "Every subcommand reads --config (default: $OUTREACHD_CONFIG, else /etc/outreachd/outreachd.toml).",
        subcommands: [InitCommand.self, CheckCommand.self, PreviewCommand.self, ExplainCommand.self, ForecastCommand.self, RunCommand.self,
                      StatusCommand.self, SendTestCommand.self, ImportCommand.self, SuppressCommand.self, ForgetCommand.self, SynthesizeCommand.self]
    )

    /// Runs the command; bad arguments exit 1 (the contract's "a problem the user must fix"),
    /// not ArgumentParser's 64.
    static func main() {
        do {
            var command = try parseAsRoot()
            // However the command ends (an exit status is thrown), its database connections are closed before the process exits.
            defer { PostgresPool.closeAll() }
            try command.run()
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(1)
            }
            exit(withError: error)
        }
    }
}
