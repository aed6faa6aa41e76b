import ArgumentParser
import Foundation
import Logging
import OutreachCore

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Evaluate the rules, queue what is due, deliver what is queued.",
        discussion: "With --once: one tick, wait for its deliveries, exit 0 (everything delivered) or 2 (something stays queued for a retry)."
    )

    @OptionGroup var options: ConfigOption
    @Flag(help: "One tick, then exit.")
    var once = false
    @Flag(help: "Log the rendered messages; send and record nothing.")
    var dryRun = false
    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() throws {
        guard once else {
            throw ValidationError("the daemon loop is not available yet: use `outreachd run --once` (from a timer) for now")
        }
        let logger = Logging.make("outreachd", level: logLevel)
        var pending = 0
        try withUserErrors {
            let (outreach, ledger) = try Outreach.openForDelivery(configFile: options.path)
            let clock = SystemClock()
            if dryRun {
                let report = try outreach.queueDue(at: clock.now, into: ledger, logger: logger, dryRun: true)
                print("dry run: \(report.due) due, \(report.failed) could not be rendered; nothing sent or recorded")
                return
            }
            let lock = try InstanceLock(statePath: outreach.configuration.state.location)
            defer { withExtendedLifetime(lock) {} }
            let recovered = try ledger.recoverInterrupted(now: clock.now)
            if recovered > 0 { logger.warning("requeued messages a previous run left in flight", metadata: ["count": "\(recovered)"]) }
            let queued = try outreach.queueDue(at: clock.now, into: ledger, logger: logger)
            let deliverer = Deliverer(ledger: ledger, channels: try outreach.makeChannels(), clock: clock, logger: logger)
            let delivered = try deliverer.deliverAllDue()
            let expired = try ledger.expireOverdue(now: clock.now)
            pending = try ledger.pendingCount()
            print("due \(queued.due), queued \(queued.queued), sent \(delivered.sent), retrying \(delivered.retrying), failed \(delivered.failed + queued.failed), expired \(delivered.expired + queued.expired + expired), still queued \(pending)")
        }
        if pending > 0 { throw ExitCode(2) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

enum Logging {
    /// A logger writing one line per event to stderr.
    static func make(_ label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = level
        return logger
    }
}
