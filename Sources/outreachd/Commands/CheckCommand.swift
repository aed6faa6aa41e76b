import ArgumentParser
import OutreachCore

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate the configuration, the templates and the store schema; print every problem as FILE:LINE: message."
    )

    @OptionGroup var options: ConfigOption

    func run() throws {
        let problems = Checker.check(configFile: options.path)
        for problem in problems { print(problem) }
        if !problems.isEmpty {
            Console.error("\(problems.count) problem\(problems.count == 1 ? "" : "s") found")
            throw ExitCode(1)
        }
        print("\(options.path): configuration, templates and store are usable")
    }
}
