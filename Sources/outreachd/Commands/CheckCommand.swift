import ArgumentParser
import OutreachCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration, the templates and the store schema; print every problem as FILE:LINE: message."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        // Problems and warnings go to stderr, as every error does; stdout says only that all is well.
        let problems = Checker.check(configFile: options.path)
        for problem in problems { Console.line(problem.description) }
        let errors = problems.filter(\.isError).count
        if errors > 0 {
            Console.error("\(errors) problem\(errors == 1 ? "" : "s") found")
            throw ExitCode(1)
        }
        print("\(options.path): configuration, templates, channels, store and ledger are usable")
    }
}
