import ArgumentParser
import Foundation
import OutreachCore

extension CSVImporter.Table: ExpressibleByArgument {}

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Load a CSV file (header row = column names) into the store in one transaction.",
        discussion: "Rows are matched by id: new ids are inserted, existing ones updated. A bad row aborts the whole file, naming its line and column."
    )

    @OptionGroup var options: ConfigOption
    @Argument(help: "customers, purchases or tickets.")
    var table: CSVImporter.Table
    @Argument(help: ArgumentHelp("The CSV file.", valueName: "FILE.csv"))
    var file: String

    func run() throws {
        try withUserErrors {
            let configuration = try ConfigurationLoader.load(file: options.path)
            let store = try configuration.openStoreForImport()
            let bar = Console.stderrIsTerminal ? ProgressBar() : nil
            let rows = try CSVImporter.run(file, into: table, store: store, progress: bar.map { bar in { bar.update(bytes: $0, total: $1, rows: $2) } })
            bar?.finish()
            print("\(file): \(rows) row\(rows == 1 ? "" : "s") imported into \(table.rawValue)")
        }
    }
}

/// A one-line progress bar on a terminal's stderr.
final class ProgressBar {
    func update(bytes: Int, total: Int, rows: Int) {
        let fraction = total > 0 ? min(1, Double(bytes) / Double(total)) : 0
        let filled = Int(fraction * 30)
        let line = "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: 30 - filled) + "] \(Int(fraction * 100))%  \(rows) rows"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func finish() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
