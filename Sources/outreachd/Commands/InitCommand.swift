import ArgumentParser
import Foundation
import OutreachCore

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create the state database and the store's schema and indexes; with --demo, a demo folder.",
        discussion: "Existing data is kept: tables and indexes are created only where missing, and the state database is migrated in place. "
            + "A PostgreSQL store is only checked, never altered: init prints the CREATE INDEX statements it lacks."
    )

    @OptionGroup var options: ConfigOption
    @Flag(help: "Write a demo folder (store, config, templates, state) with customers due today.")
    var demo = false
    @Option(help: ArgumentHelp("With --demo: the folder to write.", valueName: "DIR"))
    var dir = "demo"
    @Option(help: ArgumentHelp("With --demo: the templates to copy. Default: ./templates, else /etc/outreachd/templates.", valueName: "DIR"))
    var templates: String?
    @Option(help: ArgumentHelp("With --demo: place the demo's dates relative to this instant instead of now.", valueName: "TIME"))
    var at: String?
    @Flag(help: "With --demo: replace an existing demo folder, its ledger and Maildir included.")
    var replace = false

    func run() throws {
        try withUserErrors {
            if demo {
                let now = try parseTime(at, option: "--at", zone: TimeZone(identifier: "UTC")!)
                let candidates = templates.map { [$0] } ?? ["templates", "/etc/outreachd/templates", "/usr/local/share/outreachd/templates"]
                guard let source = candidates.first(where: { FileManager.default.fileExists(atPath: $0 + "/birthday.txt") }) else {
                    throw ValidationError("no templates folder with birthday.txt found in \(candidates.joined(separator: ", ")); pass --templates DIR")
                }
                let config = try DemoSeed.write(folder: dir, now: now, templatesFrom: source, replacing: replace)
                print("demo written to \(dir)/: 48 customers in Hungarian, Swedish, Thai and English")
                print("next: outreachd preview --config \(config)")
                return
            }
            let configuration = try ConfigurationLoader.load(file: options.path)
            let (summary, warnings) = try configuration.prepareStore()
            for warning in warnings { Console.line(warning.description) }
            print(summary)
            let ledger = try configuration.openLedger(.create)
            print("state \(ledger.location): ledger ready")
        }
    }
}
