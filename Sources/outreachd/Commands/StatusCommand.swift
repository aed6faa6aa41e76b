import ArgumentParser
import Foundation
import OutreachCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Outbox counts by state and rule, and the latest failures with their reasons."
    )

    @OptionGroup var options: ConfigOption
    enum Format: String, ExpressibleByArgument, CaseIterable { case text, jsonl, prometheus }

    @Option(help: "text, jsonl or prometheus (the text exposition format, for node_exporter's textfile collector).")
    var format: Format = .text
    /// `.unconditional`: otherwise `--failures -1` reads as a missing value followed by a flag `-1`.
    @Option(parsing: .unconditional, help: "How many recent problems to list, 0 to 1000.")
    var failures = 10

    /// Bounded: SQLite reads a negative LIMIT as no limit at all.
    func validate() throws {
        guard (0...1000).contains(failures) else { throw ValidationError("--failures must be between 0 and 1000") }
    }

    func run() throws {
        try withUserErrors {
            let configuration = try ConfigurationLoader.load(file: options.path)
            let ledger = try configuration.openLedger(.read)
            if format == .prometheus {
                print(try ledger.metrics(now: Date()).prometheusText, terminator: "")
                return
            }
            let counts = try ledger.counts()
            let problems = try ledger.recentProblems(limit: failures)
            let utc = TimeZone(identifier: "UTC")!
            switch format {
            case .jsonl:
                for c in counts { print(try json(["rule": c.rule, "state": c.state.rawValue, "count": c.count])) }
                for p in problems {
                    print(try json(["problem": ["key": p.key, "rule": p.rule, "state": p.state.rawValue, "attempts": p.attempts,
                                                "error": p.lastError ?? "", "updated_at": Timestamp.format(p.updatedAt, in: utc)] as [String: Any]]))
                }
            case .text, .prometheus:
                let states = LedgerState.allCases
                var rows: [[String]] = [["rule"] + states.map(\.rawValue)]
                for rule in Set(counts.map(\.rule)).sorted() {
                    rows.append([rule] + states.map { s in String(counts.first { $0.rule == rule && $0.state == s }?.count ?? 0) })
                }
                rows.append(["total"] + states.map { s in String(counts.filter { $0.state == s }.reduce(0) { $0 + $1.count }) })
                let widths = rows[0].indices.map { i in rows.map { $0[i].count }.max() ?? 0 }
                for row in rows {
                    print(row.enumerated().map { i, c in i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
                                                 : String(repeating: " ", count: widths[i] - c.count) + c }.joined(separator: "  "))
                }
                if !problems.isEmpty {
                    print("\nlatest problems:")
                    for p in problems {
                        print("  \(Timestamp.format(p.updatedAt, in: utc))  \(p.state.rawValue)  \(p.key)  (attempt \(p.attempts))  \(p.lastError ?? (p.erasedAt != nil ? "(personal data erased)" : ""))")
                    }
                }
            }
        }
    }

    private func json(_ object: [String: Any]) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}
