import ArgumentParser
import Foundation
import Logging
import OutreachCore

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Evaluate the rules, queue what is due, deliver what is queued.",
        discussion: """
            Without --once: the daemon. A timer ticks every schedule.interval; SIGHUP reloads config and templates (a broken \
            edit is logged and the running version stays); SIGTERM or SIGINT lets in-flight deliveries finish within \
            schedule.drain_timeout and exits 0. Under systemd it reports READY, WATCHDOG, STATUS and STOPPING.
            With --once: one tick, wait for its deliveries, exit 0 (everything delivered) or 2 (something stays queued for a retry).
            """
    )

    @OptionGroup var options: ConfigOption
    @Flag(help: "One tick, then exit.")
    var once = false
    @Flag(help: "Evaluate once and log the rendered messages (bodies at --log-level debug); send and record nothing.")
    var dryRun = false
    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    func run() throws {
        let logger = Logging.make("outreachd", level: logLevel)
        if !once, !dryRun {
            var daemon: Daemon?
            try withUserErrors { daemon = try Daemon(configFile: options.path, logger: logger) }
            throw ExitCode(daemon!.run())
        }
        var retrying = 0
        try withUserErrors {
            let clock = SystemClock()
            if dryRun {
                // Read-only, like preview: the ledger is consulted, never created or written.
                let outreach = try Outreach.open(configFile: options.path)
                var rendered = 0
                for entry in try outreach.plan(at: clock.now).due {
                    let meta: Logger.Metadata = ["key": "\(entry.occurrence.key)", "rule": "\(entry.occurrence.rule.name)", "channel": "\(entry.channel.name)"]
                    do {
                        let message = try outreach.render(entry)
                        rendered += 1
                        logger.info("would send", metadata: meta.merging(["template": "\(message.template)"]) { $1 })
                        logger.debug("rendered", metadata: meta.merging(["subject": "\(message.subject ?? "")", "body": "\(message.body)"]) { $1 })
                    } catch {
                        logger.error("cannot render", metadata: meta.merging(["error": "\(error)"]) { $1 })
                    }
                }
                print("dry run: \(rendered) message\(rendered == 1 ? "" : "s") would be sent; nothing sent or recorded")
                return
            }
            // Channels are proven able to deliver, and the ledger must exist, before anything is queued.
            let delivery = try Outreach.openForDelivery(configFile: options.path)
            for warning in delivery.warnings { Console.warning(warning.description) }
            let recovered = try delivery.ledger.recoverInterrupted(now: clock.now)
            if recovered > 0 { logger.warning("requeued messages a previous run left in flight", metadata: ["count": "\(recovered)"]) }
            let report = try Tick(delivery: delivery, clock: clock, logger: logger).run()
            for row in report.queued.skipped { logger.notice("store row skipped", metadata: ["row": "\(row)"]) }
            let queued = try delivery.ledger.pendingCount()
            print("\(report.figures), still queued \(queued)")
            // Exit 2 when something waits for a retry. A row merely queued has a claimant coming:
            // on a shared ledger, another instance may have queued it a moment ago.
            retrying = try delivery.ledger.counts().filter { $0.state == .retry }.reduce(0) { $0 + $1.count }
        }
        if retrying > 0 { throw ExitCode(2) }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

enum Logging {
    /// A logger writing one line per event to stderr, with syslog priorities under journald.
    static func make(_ label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label) { JournalLogHandler(label: $0) }
        logger.logLevel = level
        return logger
    }
}
