import ArgumentParser
import Foundation
import OutreachCore

struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "For each rule: is a message due for this customer, and if not, exactly why and until when."
    )

    @OptionGroup var options: ConfigOption
    @Option(help: ArgumentHelp("The customer.", valueName: "ID"))
    var customer: String
    @Option(help: ArgumentHelp("The instant to evaluate (ISO 8601 with offset, or a date). Default: now.", valueName: "TIME"))
    var at: String?

    /// How far back past occurrences are shown, and how far ahead upcoming ones.
    static let lookback = TimeSpan.days(60)
    static let horizon = TimeSpan.days(400)

    func run() throws {
        try withUserErrors {
            let outreach = try Outreach.open(configFile: options.path)
            let config = outreach.configuration
            Report.notice(outreach)
            let now = try parseTime(at, option: "--at", zone: config.schedule.timezone)
            // A row the store cannot read is still the customer's: explain says why nothing goes to them.
            let found = try outreach.store.customers(ids: [customer])
            let record = found.rows[customer]
            guard try outreach.storeHolds(customerID: customer) else {
                throw ValidationError("customer \"\(customer)\" is not in the store \(config.store)")
            }
            let zone = record.flatMap { TimeZone(identifier: $0.timezone ?? "") } ?? config.schedule.timezone
            let plan = try outreach.plan(at: now, lookback: Self.lookback, horizon: Self.horizon, customerID: customer)
            if let record {
                print("customer \(record.id): zone \(record.timezone ?? "\(config.schedule.timezone.identifier) (default)"), locale \(record.locale ?? "\(config.schedule.defaultLocale) (default)")\(record.optedOut ? ", opted out" : "")")
            } else {
                print("customer \(customer): the store row cannot be used, so no rule sends anything:")
                for row in found.rejected { print("  \(row)") }
            }
            print("at \(Timestamp.format(now, in: zone))")
            if let window = config.schedule.sendWindow { print("send window \(window) local time") }
            if let cap = config.schedule.maxPerCustomer { print("frequency cap \(cap) across rules") }
            for rule in config.rules {
                let kind = rule.kind.name
                print("")
                print("\(rule.name) (\(kind), channel \(rule.channel), priority \(rule.priority))")
                let entries = plan.entries.filter { $0.occurrence.rule.name == rule.name }
                for entry in entries {
                    print("  \(entry.occurrence.key): due \(Timestamp.format(entry.occurrence.due, in: entry.occurrence.zone)); \(entry.outcome.explanation(in: entry.occurrence.zone, due: entry.occurrence.due))")
                }
                let skipped = plan.skipped.filter { $0.rule == rule.name }
                for s in skipped { print("  skipped: \(s.reason)") }
                for note in plan.notes[rule.name] ?? [] { print("  not eligible: \(note)") }
                if entries.isEmpty, skipped.isEmpty {
                    let from = now.addingTimeInterval(-(rule.maxLateness.timeInterval + Self.lookback.timeInterval))
                    let to = now.addingTimeInterval(Self.horizon.timeInterval)
                    print("  nothing due between \(Timestamp.format(from, in: zone)) and \(Timestamp.format(to, in: zone)): \(Self.why(rule, record))")
                }
            }
            let unreadable = plan.unreadable
            if !unreadable.isEmpty {
                print("")
                for row in unreadable { print("store: \(row)") }
            }
        }
    }

    /// What the rule needs that this customer lacks.
    static func why(_ rule: RuleConfiguration, _ customer: Customer?) -> String {
        guard let customer else { return "the customer's store row cannot be used (see above)" }
        return rule.kind.whyNothingDue(for: customer)
    }
}
