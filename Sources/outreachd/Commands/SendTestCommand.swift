import ArgumentParser
import Foundation
import OutreachCore

struct SendTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send-test",
        abstract: "Render and send one message of a rule for a customer now, outside the ledger.",
        discussion: "The message gets its own key (send-test:…), so its Message-ID never collides with the real one. Exit 2 if it could not be delivered."
    )

    @OptionGroup var options: ConfigOption
    @Option(help: ArgumentHelp("The rule.", valueName: "NAME"))
    var rule: String
    @Option(help: ArgumentHelp("The customer.", valueName: "ID"))
    var customer: String
    @Option(help: ArgumentHelp("Send here instead of the customer's address.", valueName: "ADDRESS"))
    var to: String?

    func run() throws {
        var delivered = false
        try withUserErrors {
            let outreach = try Outreach.open(configFile: options.path)
            guard let ruleConfig = outreach.configuration.rules.first(where: { $0.name == rule }) else {
                throw ValidationError("--rule \"\(rule)\": no such rule in \(options.path)")
            }
            let now = Date()
            let plan = try outreach.plan(at: now, lookback: .days(60), horizon: .days(400), customerID: customer, ruleName: rule)
            // The occurrence nearest to now: the one due, else the next or the latest.
            guard var entry = plan.entries.min(by: { abs($0.occurrence.due.timeIntervalSince(now)) < abs($1.occurrence.due.timeIntervalSince(now)) }) else {
                throw ValidationError("rule \"\(rule)\" has no occurrence for customer \"\(customer)\" within 60 days back or 400 ahead (see `outreachd explain --customer \(customer)`)")
            }
            if let to { entry.recipient = to }
            guard entry.recipient != nil else { throw ValidationError("customer \"\(customer)\" has no \(entry.channel.address.rawValue); pass --to ADDRESS") }
            let message = try outreach.render(entry)
            var item = outreach.outboxItem(entry, message: message, state: .sending, now: now)
            // A tester's own address is not the customer's: the customer's name never goes before it.
            if let to {
                let mailbox = Mailbox(parsing: to)
                item.recipient = mailbox?.address ?? to
                item.recipientName = mailbox?.name
            }
            item.key = "send-test:\(entry.occurrence.key):\(Int(now.timeIntervalSince1970))"
            item.attempts = 1
            guard let channel = try outreach.makeChannels()[ruleConfig.channel] else { throw ValidationError("no channel \(ruleConfig.channel)") }
            if let to, channel.configuration.kind != .http, Mailbox(parsing: to) == nil {
                throw ValidationError("--to \"\(to)\" is not an e-mail address")
            }
            switch try channel.makeSender().send(item, now: now) {
            case .sent(let reply):
                delivered = true
                print("sent \(item.key) to \(item.recipient) via \(channel.configuration.name): \(reply)")
            case .temporaryFailure(let reason, _, _), .permanentFailure(let reason, _):
                Console.error("not delivered: \(reason)")
            }
        }
        if !delivered { throw ExitCode(2) }
    }
}
