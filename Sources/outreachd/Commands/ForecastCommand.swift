import ArgumentParser
import Foundation
import OutreachCore

struct ForecastCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forecast",
        abstract: "What will go out over the next N days, per day and rule (from what the store holds now)."
    )

    @OptionGroup var options: ConfigOption
    /// `.unconditional`: otherwise `--days -1` reads as a missing value followed by a flag `-1`.
    @Option(parsing: .unconditional, help: "How many days ahead, 1 to 366.")
    var days: Int
    @Option(help: ArgumentHelp("Start from this instant instead of now.", valueName: "TIME"))
    var at: String?
    @Option(help: "text or jsonl.")
    var format: OutputFormat = .text

    func validate() throws {
        guard (1...366).contains(days) else { throw ValidationError("--days must be between 1 and 366") }
    }

    func run() throws {
        try withUserErrors {
            let outreach = try Outreach.open(configFile: options.path)
            let config = outreach.configuration
            Report.notice(outreach)
            let zone = config.schedule.timezone
            let now = try parseTime(at, option: "--at", zone: zone)
            // N calendar days in the default zone: today (from now) and the N - 1 days after it.
            let end = LocalTime.instant(CivilDate(now, in: zone).adding(days: days), .midnight, in: zone)
            let plan = try outreach.plan(at: now, horizon: TimeSpan(seconds: Int(end.timeIntervalSince(now).rounded(.up))))
            let forecast = Forecast(plan: plan, until: end, zone: zone, rules: config.rules.map(\.name))
            switch format {
            case .jsonl:
                for row in forecast.rows {
                    for (rule, count) in zip(forecast.rules, row.counts) where count > 0 {
                        print(#"{"count":\#(count),"day":"\#(row.day)","rule":"\#(rule)"}"#)
                    }
                }
            case .text:
                print(forecast.table)
                if forecast.expiring > 0 {
                    print("\(forecast.expiring) occurrence\(forecast.expiring == 1 ? "" : "s") will expire without being sent (see `outreachd explain`)")
                }
            }
            Report.skipped(plan)
        }
    }
}

/// Counts of planned sends per local day (in the default zone) and rule.
struct Forecast {
    struct Row { var day: String; var counts: [Int] }

    var rules: [String]
    var rows: [Row] = []
    var expiring = 0

    init(plan: Plan, until end: Date, zone: TimeZone, rules: [String]) {
        self.rules = rules
        var counts: [String: [Int]] = [:]
        var day = CivilDate(plan.now, in: zone)
        let last = CivilDate(end.addingTimeInterval(-1), in: zone)
        var days: [String] = []
        while day <= last { days.append(day.description); day = day.adding(days: 1) }
        for entry in plan.entries {
            if case .willExpire = entry.outcome { expiring += 1 }
            guard let at = entry.outcome.sendTime(now: plan.now), at < end, let column = rules.firstIndex(of: entry.occurrence.rule.name) else { continue }
            counts[CivilDate(at, in: zone).description, default: Array(repeating: 0, count: rules.count)][column] += 1
        }
        rows = days.map { Row(day: $0, counts: counts[$0] ?? Array(repeating: 0, count: rules.count)) }
    }

    var table: String {
        let header = ["day"] + rules + ["total"]
        let body = rows.map { [$0.day] + $0.counts.map(String.init) + [String($0.counts.reduce(0, +))] }
        let totals = ["total"] + rules.indices.map { i in String(rows.reduce(0) { $0 + $1.counts[i] }) } + [String(rows.reduce(0) { $0 + $1.counts.reduce(0, +) })]
        let all = [header] + body + [totals]
        let widths = header.indices.map { i in all.map { $0[i].count }.max() ?? 0 }
        func format(_ cells: [String]) -> String {
            cells.enumerated().map { i, c in i == 0 ? c.padding(toLength: widths[i], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[i] - c.count) + c }
                .joined(separator: "  ")
        }
        return ([format(header)] + body.map(format) + [format(totals)]).joined(separator: "\n")
    }
}
