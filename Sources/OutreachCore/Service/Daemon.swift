import Dispatch
import Foundation
import Logging

/// `outreachd run`: ticks on a `DispatchSourceTimer` every `schedule.interval`, reloads on SIGHUP,
/// drains and exits on SIGTERM/SIGINT, and keeps systemd informed.
///
/// Every tick and reload runs on one serial queue, so ticks never overlap (a slow tick delays the
/// next) and a reload swaps the configuration between ticks, never during one.
public final class Daemon: @unchecked Sendable {  // `loaded`, `memory`, `timer` and `reportedSkips` are touched only on `queue`; the rest is locked or immutable
    let configFile: String
    let clock: any Clock
    let logger: Logger
    let notifier: SystemdNotifier
    private let queue = DispatchQueue(label: "outreachd.tick")
    private var loaded: Outreach.Delivery
    /// What the last tick's evaluation left for the next (see ``EvaluationMemory``); dropped
    /// whenever `loaded` changes.
    private var memory: EvaluationMemory?
    private var timer: DispatchSourceTimer?
    private var signals: [DispatchSourceSignal] = []
    private var watchdog: DispatchSourceTimer?
    private let stopping = Locked(false)
    private let health = Locked(Health())
    /// The settings other threads (signals, watchdog) need, updated on every (re)load.
    private let settings: Locked<Configuration.Schedule>
    private let finished = DispatchSemaphore(value: 0)
    /// Skipped store rows already logged: each is reported once per process, not every tick.
    private var reportedSkips: Set<String> = []

    /// When the loop last showed it is alive.
    struct Health {
        var busySince: Date?
        var lastProgress = Date()
        var lastTickEnd = Date()
    }

    /// Loads config, templates, store and ledger; throws (with every problem) if any is unusable.
    public init(configFile: String, clock: any Clock = SystemClock(), logger: Logger, notifier: SystemdNotifier = SystemdNotifier()) throws {
        self.configFile = configFile
        self.clock = clock
        self.logger = logger
        self.notifier = notifier
        let loaded = try Self.load(configFile, logger: logger)
        self.loaded = loaded
        self.settings = Locked(loaded.outreach.configuration.schedule)
    }

    /// Everything a tick needs; throws when a channel cannot deliver or the ledger is missing.
    ///
    /// - Parameter ledger: on a reload, the ledger already open (it stays: a `[state] url` change needs a restart).
    static func load(_ configFile: String, logger: Logger, keeping ledger: (any Ledger)? = nil) throws -> Outreach.Delivery {
        let delivery = try Outreach.openForDelivery(configFile: configFile, keeping: ledger)
        for warning in delivery.warnings { logger.warning("configuration", metadata: ["problem": "\(warning)"]) }
        return delivery
    }

    /// Runs until SIGTERM or SIGINT; returns the exit status (0 after a clean drain).
    public func run() -> Int32 {
        for sig in [SIGHUP, SIGTERM, SIGINT] { signal(sig, SIG_IGN) }
        let requeued: Int
        do { requeued = try loaded.ledger.recoverInterrupted(now: clock.now) } catch {
            logger.critical("cannot use the ledger", metadata: ["error": "\(error)"])
            return 1
        }
        if requeued > 0 { logger.warning("requeued messages a previous run left in flight", metadata: ["count": "\(requeued)"]) }
        notifier.notify("READY=1\nSTATUS=started; first tick now")
        logger.notice("started", metadata: ["config": "\(configFile)", "interval": "\(loaded.outreach.configuration.schedule.interval)"])
        let hup = DispatchSource.makeSignalSource(signal: SIGHUP, queue: queue)
        hup.setEventHandler { [self] in reload() }
        let control = DispatchQueue(label: "outreachd.signals")
        for sig in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: sig, queue: control)
            source.setEventHandler { [self] in stop(signal: sig) }
            signals.append(source)
        }
        signals.append(hup)
        queue.sync { schedule(interval: loaded.outreach.configuration.schedule.interval) }
        startWatchdog()
        // Signals last: `stop` may then use everything set up above.
        signals.forEach { $0.resume() }
        finished.wait()
        return 0
    }

    /// (Re)arms the tick timer; on `queue`.
    private func schedule(interval: TimeSpan) {
        timer?.cancel()
        let t = DispatchSource.makeTimerSource(queue: queue)
        t.schedule(deadline: .now(), repeating: .seconds(interval.seconds), leeway: .milliseconds(200))
        t.setEventHandler { [self] in tick() }
        t.resume()
        timer = t
    }

    /// Evaluate, queue, deliver (for at most about one interval, so evaluation is never starved), expire.
    private func tick() {
        guard !stopping.withLock({ $0 }) else { return }
        let started = clock.now
        health.withLock { $0.busySince = started; $0.lastProgress = started }
        defer { health.withLock { $0.busySince = nil; $0.lastTickEnd = Date() } }
        do {
            try refreshStore()
            try loaded.ledger.checkHealth()
            let tick = Tick(delivery: loaded, clock: clock, logger: logger)
            let report = try tick.run(batch: 500, deliverUntil: started.addingTimeInterval(loaded.outreach.configuration.schedule.interval.timeInterval),
                                      memory: &memory, isStopping: { [stopping] in stopping.withLock { $0 } },
                                      onProgress: { [health] in health.withLock { $0.lastProgress = Date() } })
            for row in report.queued.skipped where reportedSkips.count < 100_000 && reportedSkips.insert(row).inserted {
                logger.notice("store row skipped", metadata: ["row": "\(row)"])
            }
            notifier.notify("STATUS=last tick \(Timestamp.format(started, in: TimeZone(identifier: "UTC")!)): \(report.figures), " + String(format: "%.2f s", report.duration))
            logger.info("tick", metadata: ["due": "\(report.queued.due)", "sent": "\(report.delivered.sent)", "retrying": "\(report.delivered.retrying)",
                                           "failed": "\(report.failed)", "expired": "\(report.expired)", "erased": "\(report.erased)", "duration": "\(String(format: "%.3f", report.duration))",
                                           "evaluated": "\(report.queued.incremental ? "new" : "all")"])
        } catch {
            // A store or ledger that fails (missing, locked, down) costs this tick only; the next one tries again.
            logger.error("tick failed; retrying at the next tick", metadata: ["error": "\(error)"])
            notifier.notify("STATUS=last tick failed: \(error)")
        }
    }

    /// Fails the tick if the store file is gone; reopens it if it was replaced (say, by an export
    /// renamed over it), so the tick reads what is on disk now. On `queue`.
    private func refreshStore() throws {
        guard let store = try loaded.outreach.store.reopenedIfReplaced() else { return }
        loaded.outreach.store = store
        memory = nil
        logger.notice("the store file was replaced; reopened it", metadata: ["store": "\(loaded.outreach.configuration.store)"])
    }

    /// SIGHUP: load config and templates anew; a broken edit is reported and the running version stays.
    private func reload() {
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(DispatchTime.now().uptimeNanoseconds / 1000)")
        do {
            // The open ledger stays (a delivering one holds its lock for the life of the process).
            var next = try Self.load(configFile, logger: logger, keeping: loaded.ledger)
            let state = loaded.outreach.configuration.state
            if next.outreach.configuration.state != state {
                logger.warning("[state] url changed; it takes effect at the next restart")
                next.outreach.configuration.state = state
            }
            loaded = next
            memory = nil
            settings.withLock { $0 = next.outreach.configuration.schedule }
            schedule(interval: loaded.outreach.configuration.schedule.interval)
            logger.notice("reloaded configuration and templates", metadata: ["config": "\(configFile)"])
        } catch let error as DiagnosticError {
            for d in error.diagnostics { logger.error("reload refused; keeping the running configuration", metadata: ["problem": "\(d)"]) }
        } catch {
            logger.error("reload refused; keeping the running configuration", metadata: ["problem": "\(error)"])
        }
        notifier.notify("READY=1")
    }

    /// SIGTERM/SIGINT: no new tick or message; in-flight deliveries get `drain_timeout` to finish.
    private func stop(signal sig: Int32) {
        guard !stopping.withLock({ s in defer { s = true }; return s }) else { return }
        notifier.notify("STOPPING=1")
        let drain = settings.withLock { $0.drainTimeout }
        logger.notice("stopping", metadata: ["signal": "\(sig == SIGTERM ? "SIGTERM" : "SIGINT")", "drain_timeout": "\(drain)"])
        watchdog?.cancel()
        let idle = DispatchSemaphore(value: 0)
        queue.async { [self] in
            timer?.cancel()
            idle.signal()
        }
        if idle.wait(timeout: .now() + .seconds(drain.seconds)) == .timedOut {
            logger.warning("drain_timeout passed with deliveries in flight; they are retried with the same Message-ID at the next start")
        }
        finished.signal()
    }

    /// Pings systemd's watchdog at half its period while the loop is healthy: idle with its timer
    /// due, or busy and making progress. A stuck loop stops the pings, and systemd restarts it.
    private func startWatchdog() {
        guard let period = notifier.watchdogInterval else { return }
        let t = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "outreachd.watchdog"))
        t.schedule(deadline: .now(), repeating: .milliseconds(Int(period * 1000)))
        t.setEventHandler { [self] in
            let now = Date()
            let interval = Double(settings.withLock { $0.interval.seconds })
            let healthy = health.withLock { h in
                if h.busySince != nil { return now.timeIntervalSince(h.lastProgress) < period * 2 + 1 }
                return now.timeIntervalSince(h.lastTickEnd) < interval + period * 2 + 1
            }
            if healthy { notifier.notify("WATCHDOG=1") } else { logger.critical("tick loop stuck; no longer pinging the watchdog") }
        }
        t.resume()
        watchdog = t
    }
}
