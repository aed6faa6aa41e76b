import ArgumentParser
import Foundation
import OutreachCore

struct PreviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preview",
        abstract: "Dry run: print every message due at TIME, fully rendered. Writes nothing."
    )

    @OptionGroup var options: ConfigOption
    @Option(help: ArgumentHelp("The instant to evaluate (ISO 8601 with offset, or a date). Default: now.", valueName: "TIME"))
    var at: String?
    @Option(help: ArgumentHelp("Only this rule.", valueName: "NAME"))
    var rule: String?
    @Option(help: ArgumentHelp("Only this customer.", valueName: "ID"))
    var customer: String?
    @Option(help: "text or jsonl.")
    var format: OutputFormat = .text

    /// How many bytes of jsonl to gather before writing them.
    private static let chunk = 256 * 1024
    /// How many messages to render before printing them.
    private static let batch = 1024

    /// The preview lines of `entries`, in their order, rendered by two threads (a half each):
    /// rendering is most of what is left of a preview once the plan is made.
    static func render(_ entries: [PlanEntry], outreach: Outreach, defaultLocale: String) -> [Result<PreviewLine, RenderError>] {
        let halves = [0..<entries.count / 2, entries.count / 2..<entries.count]
        let rendered = Locked<[[Result<PreviewLine, RenderError>]]>([[], []])
        DispatchQueue.concurrentPerform(iterations: halves.count) { half in
            let lines = entries[halves[half]].map { entry in
                Result { () throws(RenderError) in PreviewLine(entry, try outreach.render(entry), defaultLocale: defaultLocale) }
            }
            rendered.withLock { $0[half] = lines }
        }
        return rendered.withLock { $0[0] + $0[1] }
    }

    func run() throws {
        try withUserErrors {
            let outreach = try Outreach.open(configFile: options.path)
            let now = try parseTime(at, option: "--at", zone: outreach.configuration.schedule.timezone)
            if let rule, !outreach.configuration.rules.contains(where: { $0.name == rule }) {
                throw ValidationError("--rule \"\(rule)\": no such rule in \(options.path) (rules: \(outreach.configuration.rules.map(\.name).joined(separator: ", ")))")
            }
            if let customer, try !outreach.storeHolds(customerID: customer) {
                throw ValidationError("customer \"\(customer)\" is not in the store \(outreach.configuration.store)")
            }
            Report.notice(outreach)
            let plan = try outreach.plan(at: now, customerID: customer, ruleName: rule)
            var shown = 0
            // jsonl lines gather here as bytes and go out in large writes (nothing else goes to
            // stdout in that format), not as one `String` and one `print` each.
            var pending: [UInt8] = []
            pending.reserveCapacity(Self.chunk + 64 * 1024)
            // Rendered, printed and dropped a batch at a time (a tick can hold tens of thousands),
            // each batch rendered by two threads and printed in the plan's order.
            let due = plan.entries.indices.filter { plan.entries[$0].outcome == .due }
            let defaultLocale = outreach.configuration.schedule.defaultLocale
            for batch in stride(from: 0, to: due.count, by: Self.batch) {
                let indices = Array(due[batch..<min(batch + Self.batch, due.count)])
                let lines = Self.render(indices.map { plan.entries[$0] }, outreach: outreach, defaultLocale: defaultLocale)
                for (i, line) in zip(indices, lines) {
                    guard case .success(let line) = line else {
                        if case .failure(let error) = line { Console.warning("\(plan.entries[i].occurrence.key): \(error)") }
                        continue
                    }
                    shown += 1
                    switch format {
                    case .jsonl:
                        line.appendJSONLine(to: &pending)
                        if pending.count >= Self.chunk {
                            try FileHandle.standardOutput.write(contentsOf: pending)
                            pending.removeAll(keepingCapacity: true)
                        }
                    case .text: print(line.text)
                    }
                }
            }
            try FileHandle.standardOutput.write(contentsOf: pending)
            Report.skipped(plan)
            if format == .text {
                print("\(shown) message\(shown == 1 ? "" : "s") due at \(Timestamp.format(now, in: outreach.configuration.schedule.timezone))")
            }
        }
    }
}

/// One previewed message; the jsonl fields are part of the command-line contract.
struct PreviewLine: Sendable {
    var key: String
    var rule: String
    var customer_id: String
    var channel: String
    var to: String
    var subject: String?
    var body: String
    var due_at: String
    var locale: String
    var template: String

    init(_ entry: PlanEntry, _ message: RenderedMessage, defaultLocale: String) {
        key = entry.occurrence.key
        rule = entry.occurrence.rule.name
        customer_id = entry.occurrence.customer.id
        channel = entry.channel.name
        to = entry.recipient ?? ""
        subject = message.subject
        body = message.body
        due_at = Timestamp.format(entry.occurrence.due, in: entry.occurrence.zone)
        locale = entry.occurrence.customer.locale ?? defaultLocale
        template = message.template
    }

    /// Appends the jsonl line and its line break: the fields in key order, `subject` left out when there is none.
    func appendJSONLine(to output: inout [UInt8]) {
        var line = JSONLine(capacity: body.utf8.count + (subject?.utf8.count ?? 0) + 256)
        line.field("body", body)
        line.field("channel", channel)
        line.field("customer_id", customer_id)
        line.field("due_at", due_at)
        line.field("key", key)
        line.field("locale", locale)
        line.field("rule", rule)
        if let subject { line.field("subject", subject) }
        line.field("template", template)
        line.field("to", to)
        output.append(contentsOf: line.finishedLine())
    }

    var text: String {
        var out = "=== \(key)  rule \(rule)  to \(to) via \(channel)  due \(due_at)  locale \(locale)\n"
        if let subject { out += "Subject: \(subject)\n\n" }
        out += body
        if !body.hasSuffix("\n") { out += "\n" }
        return out
    }
}

/// Warnings about store rows the rules could not use, on stderr.
enum Report {
    /// Says, before anything else, that the ledger was missing and read as empty.
    static func notice(_ outreach: Outreach) {
        if let notice = outreach.ledgerNotice { Console.warning(notice) }
    }

    static func skipped(_ plan: Plan, limit: Int = 20) {
        let lines = plan.skipped.map(\.description) + plan.unreadable.map(\.description)
        for line in lines.prefix(limit) { Console.warning(line) }
        if lines.count > limit {
            Console.warning("\(lines.count - limit) more rows skipped; `outreachd explain --customer ID` shows a customer's")
        }
    }
}
