import Foundation
import Logging

/// Delivers what the ledger holds: claims due rows, sends them through their channels with each
/// channel's `concurrency` and `rate`, and records every outcome.
///
/// Blocking: each worker is a thread owning one sender (one curl handle, so one connection kept
/// open) for the whole call, fed batch after batch; ``deliverAllDue(batch:deadline:)`` returns when
/// every claimed row has an outcome. Outcomes are committed in groups (``OutcomeCommitter``):
/// each worker makes its next message ready while its last outcome is committed, and waits for
/// the commit that holds it before the next attempt, so a crash can only repeat the attempts under
/// way, at most one per worker.
public final class Deliverer: Sendable {
    let ledger: any Ledger
    let channels: [String: any Channel]
    let clock: any Clock
    let logger: Logger
    let isStopping: @Sendable () -> Bool
    let onProgress: @Sendable () -> Void

    /// - Parameters:
    ///   - isStopping: checked before each message; once true, workers start nothing new and the rows
    ///     they had not started go back to `queued`.
    ///   - onProgress: called after each message (the daemon's watchdog heartbeat).
    public init(ledger: any Ledger, channels: [String: any Channel], clock: any Clock, logger: Logger,
                isStopping: @escaping @Sendable () -> Bool = { false }, onProgress: @escaping @Sendable () -> Void = {}) {
        self.ledger = ledger
        self.channels = channels
        self.clock = clock
        self.logger = logger
        self.isStopping = isStopping
        self.onProgress = onProgress
    }

    /// What one delivery pass did.
    public struct Report: Sendable, Equatable {
        public var sent = 0
        public var retrying = 0
        public var failed = 0
        public var expired = 0
        /// Outcomes not recorded because the claim was taken over meanwhile (its lease ran out).
        public var lost = 0

        public init() {}

        public var attempted: Int { sent + retrying + failed + expired }

        public static func += (total: inout Report, pass: Report) {
            total.sent += pass.sent
            total.retrying += pass.retrying
            total.failed += pass.failed
            total.expired += pass.expired
            total.lost += pass.lost
        }
    }

    /// Sends every row due now, claiming `batch` rows at a time, until none is left or `deadline`
    /// has passed; returns the outcomes' counts.
    ///
    /// The next batch is claimed while the workers still send the last one, and each channel's
    /// workers (one thread and one connection each) live for the whole call, not one batch. A row
    /// retried within this call is not due again until its backoff, so this ends. The daemon passes
    /// a deadline so a large backlog never holds up the next evaluation.
    public func deliverAllDue(batch: Int = 500, deadline: Date? = nil) throws -> Report {
        try deliver(batch: max(1, batch), deadline: deadline, claims: nil)
    }

    /// Sends the rows due now, at most `limit` (one claim); returns the outcomes' counts.
    public func deliverDue(limit: Int = 10_000) throws -> Report {
        try deliver(batch: max(1, limit), deadline: nil, claims: 1)
    }

    /// Claims up to `claims` batches (`nil`: until none is left) and delivers them; returns once
    /// every claimed row has an outcome or, when stopping, is back in the queue.
    private func deliver(batch: Int, deadline: Date?, claims: Int?) throws -> Report {
        let pass = Pass(committer: OutcomeCommitter(ledger: ledger, clock: clock))
        let keeper = LeaseKeeper(ledger: ledger, pass: pass, clock: clock, logger: logger)
        let backlog = DeliveryBacklog()
        let workers = DispatchGroup()
        var failure: (any Error)?
        do {
            var started: [String: Int] = [:], handed: [String: Int] = [:], limiters: [String: RateLimiter] = [:]
            var claimed = 0
            while !isStopping(), claims.map({ claimed < $0 }) ?? true, claimed == 0 || deadline.map({ clock.now <= $0 }) ?? true {
                // Claim ahead of the workers, but by one batch at most: a claimed row is held from others.
                backlog.waitForRoom(below: batch, isStopping: isStopping)
                if isStopping() { break }
                let rows = try ledger.claim(now: clock.now, limit: batch)
                claimed += 1
                guard !rows.isEmpty else { break }
                pass.hold(rows)
                for (name, items) in try route(rows, pass: pass) {
                    guard let channel = channels[name] else { continue }
                    backlog.add(items, channel: name)
                    handed[name, default: 0] += items.count
                    let limiter = limiters[name] ?? RateLimiter(perSecond: channel.configuration.ratePerSecond)
                    limiters[name] = limiter
                    // Workers start as their channel's rows come, up to its concurrency, and stay.
                    while started[name, default: 0] < min(channel.configuration.concurrency, handed[name, default: 0]) {
                        started[name, default: 0] += 1
                        workers.enter()
                        let thread = Thread { [self] in
                            defer { workers.leave() }
                            work(channel: channel, name: name, backlog: backlog, limiter: limiter, pass: pass)
                        }
                        thread.name = "outreachd-\(name)"
                        thread.start()
                    }
                }
                if rows.count < batch { break }
            }
        } catch {
            failure = error
        }
        backlog.close()
        workers.wait()
        // Stopping: what was claimed but nobody started goes back to the queue, its attempt uncounted.
        let left = backlog.drain()
        if !left.isEmpty {
            pass.outstanding.withLock { for item in left { $0[item.key] = nil } }
            do { try ledger.release(left, now: clock.now) } catch {
                logger.error("cannot requeue \(left.count) unstarted messages (they will be requeued at the next start): \(error)")
            }
        }
        pass.committer.stop()
        keeper.stop()
        if let failure { throw failure }
        return pass.report.withLock { $0 }
    }

    /// Settles the rows that must not be sent (suppressed addresses, channels no longer configured)
    /// and returns the others by channel.
    private func route(_ rows: [OutboxItem], pass: Pass) throws -> [String: [OutboxItem]] {
        let suppressed = try ledger.suppressed(addresses: rows.map(\.recipient))
        var byChannel: [String: [OutboxItem]] = [:]
        for item in rows {
            if suppressed.contains(ContactAddress.key(for: item.recipient)) {
                try finish(item, .failed("the address is on the suppression list; not sent", .suppressed), pass: pass)
            } else if channels[item.channel] == nil {
                // The configuration's to fix, never the message's fault: it waits, within its lateness.
                try finish(item, outcome(.temporaryFailure("channel \"\(item.channel)\" is no longer configured", .configuration), for: item), pass: pass)
            } else {
                byChannel[item.channel, default: []].append(item)
            }
        }
        return byChannel
    }

    /// The claims of one delivery call still without an outcome, and the outcomes so far.
    final class Pass: Sendable {
        let report = Locked(Report())
        let outstanding = Locked<[String: OutboxItem]>([:])
        let committer: OutcomeCommitter

        init(committer: OutcomeCommitter) { self.committer = committer }

        /// Rows just claimed: their leases are renewed until each has an outcome.
        func hold(_ rows: [OutboxItem]) {
            outstanding.withLock { for row in rows where $0[row.key] == nil { $0[row.key] = row } }
        }
    }

    /// The transition `result` of `item`'s attempt leads to.
    private func outcome(_ result: DeliveryResult, for item: OutboxItem) -> LedgerTransition {
        LedgerTransition.after(result, attempts: item.attempts, now: clock.now, deadline: item.deadline)
    }

    /// One worker: one sender (so one connection) for every row of its channel, until none are
    /// left or the daemon stops.
    ///
    /// Pipelined: after an attempt the worker hands its outcome to the committer and makes the
    /// next message ready (rendering, signing) while that outcome is committed, with the other
    /// workers' outcomes of the meantime; the next attempt starts only once it is durable.
    private func work(channel: any Channel, name: String, backlog: DeliveryBacklog, limiter: RateLimiter, pass: Pass) {
        let sender: any MessageSender
        do { sender = try channel.makeSender() } catch {
            // Without a sender the rows go back to waiting, with the reason; nothing is lost.
            while let item = backlog.take(channel: name, isStopping: isStopping) {
                try? finish(item, outcome(.temporaryFailure("\(error)", .configuration), for: item), pass: pass)
            }
            return
        }
        /// The last attempt's outcome, handed in and not yet known durable.
        var unsettled: (item: OutboxItem, transition: LedgerTransition, ticket: OutcomeCommitter.Ticket)?
        func settle() {
            guard let last = unsettled else { return }
            unsettled = nil
            do { try finish(last.item, last.transition, pass: pass, recorded: pass.committer.wait(last.ticket)) } catch {
                logger.error("cannot record the outcome of \(last.item.key) in the ledger: \(error)")
            }
            onProgress()
        }
        while true {
            // Never block for rows with an outcome unsettled: settle it first.
            var next = backlog.take(channel: name, isStopping: isStopping, waiting: unsettled == nil)
            if next == nil, unsettled != nil {
                settle()
                next = backlog.take(channel: name, isStopping: isStopping)
            }
            guard let item = next else { break }
            let attempt = sender.prepare(item, now: clock.now)
            settle()
            // Stopping while the last outcome was committed: this row was never attempted.
            if isStopping() {
                backlog.giveBack(item, channel: name)
                break
            }
            limiter.waitForSlot()
            let result = attempt.run()
            let transition = outcome(result, for: item)
            unsettled = (item, transition, pass.committer.handIn(item, transition))
        }
        settle()
    }

    /// Records `transition` of `item` at once, then its bookkeeping.
    private func finish(_ item: OutboxItem, _ transition: LedgerTransition, pass: Pass) throws {
        try finish(item, transition, pass: pass, recorded: ledger.record(item, transition, now: clock.now))
    }

    /// The bookkeeping of an outcome the ledger has durably recorded, or not (`recorded` false: the
    /// claim was lost): the report, the log line, the suppression of an address with no mailbox.
    private func finish(_ item: OutboxItem, _ transition: LedgerTransition, pass: Pass, recorded: Bool) throws {
        pass.outstanding.withLock { $0[item.key] = nil }
        var metadata: Logger.Metadata = ["key": "\(item.key)", "rule": "\(item.rule)", "channel": "\(item.channel)", "attempt": "\(item.attempts)"]
        guard recorded else {
            pass.report.withLock { $0.lost += 1 }
            logger.warning("outcome not recorded: the claim was taken over after its lease ran out", metadata: metadata)
            return
        }
        if case .failed(_, .noSuchMailbox) = transition {
            try ledger.suppress(item.recipient, reason: "no such mailbox (\(item.key))", now: clock.now)
        }
        pass.report.withLock { r in
            switch transition {
            case .sent: r.sent += 1
            case .retry: r.retrying += 1
            case .failed: r.failed += 1
            case .expired: r.expired += 1
            }
        }
        // The server's words can quote the address or echo the message: only at debug level (the
        // ledger keeps them for `status`). Above it, the class says what happened.
        if let failure = transition.failure {
            metadata["class"] = "\(failure.kind?.rawValue ?? "none")"
            logger.debug("server reply", metadata: ["key": "\(item.key)", "to": "\(item.recipient)", "error": "\(failure.error)"])
        }
        switch transition {
        case .sent(let reply):
            logger.debug("server reply", metadata: ["key": "\(item.key)", "to": "\(item.recipient)", "reply": "\(reply)"])
            logger.info("sent", metadata: metadata)
        case .retry(let at, _, _):
            metadata["next_attempt"] = "\(Timestamp.format(at, in: .gmt))"
            logger.warning("delivery failed; will retry", metadata: metadata)
        case .failed:
            logger.error("delivery failed for good", metadata: metadata)
        case .expired:
            logger.error("delivery expired", metadata: metadata)
        }
    }
}

/// Renews the leases of a pass's outstanding claims while it runs, so another instance never
/// takes over a row whose attempt is under way or waiting its turn here.
final class LeaseKeeper {
    private let timer: DispatchSourceTimer?

    init(ledger: any Ledger, pass: Deliverer.Pass, clock: any Clock, logger: Logger) {
        guard let lease = ledger.lease else { timer = nil; return }
        let period = max(1, lease.seconds / 3)
        let timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "outreachd.lease"))
        timer.schedule(deadline: .now() + .seconds(period), repeating: .seconds(period))
        timer.setEventHandler {
            let held = pass.outstanding.withLock { Array($0.values) }
            guard !held.isEmpty else { return }
            do { try ledger.renew(held, now: clock.now) } catch {
                logger.error("cannot renew the lease of \(held.count) claimed messages; another instance may take them over", metadata: ["error": "\(error)"])
            }
        }
        timer.resume()
        self.timer = timer
    }

    func stop() { timer?.cancel() }
}

/// Spaces sends of one channel at least `1/rate` seconds apart, across its workers.
final class RateLimiter: Sendable {
    private let interval: TimeInterval
    private let next = Locked(Date.distantPast)

    init(perSecond rate: Double?) { interval = rate.map { 1 / $0 } ?? 0 }

    /// Blocks the calling worker until its turn.
    func waitForSlot() {
        guard interval > 0 else { return }
        let slot = next.withLock { next -> Date in
            let slot = max(next, Date())
            next = slot.addingTimeInterval(interval)
            return slot
        }
        let wait = slot.timeIntervalSinceNow
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
    }
}
