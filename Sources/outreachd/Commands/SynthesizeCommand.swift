import ArgumentParser
import Foundation
import OutreachCore

/// `outreachd synthesize`: the benchmarks' store generator, hidden from `--help`.
struct SynthesizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthesize",
        abstract: "Write a synthetic customer store of N customers (for benchmarks).",
        shouldDisplay: false
    )

    @Option(help: "How many customers (1 to 10,000,000).")
    var customers: Int
    @Option(help: ArgumentHelp("The SQLite file to write (must not exist).", valueName: "FILE"))
    var out: String
    @Option(help: "The random seed: the same seed and size give the same store.")
    var seed: UInt64 = 2026
    @Option(help: ArgumentHelp("Place the dates relative to this instant instead of now.", valueName: "TIME"))
    var at: String?

    func validate() throws {
        guard (1...10_000_000).contains(customers) else { throw ValidationError("--customers must be between 1 and 10,000,000") }
    }

    func run() throws {
        try withUserErrors {
            let now = try parseTime(at, option: "--at", zone: .gmt)
            let started = Date()
            let summary = try SyntheticStore.write(path: out, customers: customers, seed: seed, now: now)
            print("\(out): \(summary) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        }
    }
}
