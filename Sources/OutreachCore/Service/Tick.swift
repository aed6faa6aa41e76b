import Foundation
import Logging

/// One tick: evaluate the rules, queue what is due, deliver what is queued, expire what ran out,
/// erase the personal data of rows finished longer than `[state] retain` ago, and record the
/// tick's figures. `run --once` runs one; the daemon runs one every interval.
public struct Tick: Sendable {
    /// What one tick did.
    public struct Report: Sendable {
        public var queued: Outreach.QueueReport
        public var delivered: Deliverer.Report
        /// Rows whose deadline passed while they waited in the ledger.
        public var expiredInLedger: Int
        /// Finished rows whose personal data was erased, `[state] retain` after they finished.
        public var erased: Int
        /// Wall time of the whole tick, in seconds.
        public var duration: Double

        public var failed: Int { delivered.failed + queued.failed }
        public var expired: Int { delivered.expired + queued.expired + expiredInLedger }

        /// `due 3, queued 3, sent 3, retrying 0, failed 0, expired 0`: the figures STATUS= and `run --once` print.
        public var figures: String {
            "due \(queued.due), queued \(queued.queued), sent \(delivered.sent), retrying \(delivered.retrying), failed \(failed), expired \(expired)"
        }
    }

    public var delivery: Outreach.Delivery
    public var clock: any Clock
    public var logger: Logger

    public init(delivery: Outreach.Delivery, clock: any Clock, logger: Logger) {
        self.delivery = delivery
        self.clock = clock
        self.logger = logger
    }

    /// Runs the tick.
    ///
    /// - Parameters:
    ///   - batch: rows claimed at a time (the next batch is claimed while the last one is sent).
    ///   - deliverUntil: stop starting delivery passes after this instant (the daemon: about one
    ///     interval, so a backlog never holds up the next evaluation); `nil`: until nothing is due.
    ///   - isStopping: checked before each message (the daemon's SIGTERM).
    ///   - onProgress: after each message (the watchdog's heartbeat).
    public func run(batch: Int = 500, deliverUntil: Date? = nil, isStopping: @escaping @Sendable () -> Bool = { false },
                    onProgress: @escaping @Sendable () -> Void = {}) throws -> Report {
        var memory: EvaluationMemory?
        return try run(batch: batch, deliverUntil: deliverUntil, memory: &memory, isStopping: isStopping, onProgress: onProgress)
    }

    /// Runs the tick of a running daemon: `memory` is what its last tick left, and what this one
    /// leaves (see ``Outreach/queueDue(at:into:logger:memory:)``).
    public func run(batch: Int = 10_000, deliverUntil: Date? = nil, memory: inout EvaluationMemory?,
                    isStopping: @escaping @Sendable () -> Bool = { false }, onProgress: @escaping @Sendable () -> Void = {}) throws -> Report {
        let started = clock.now
        let queued = try delivery.outreach.queueDue(at: started, into: delivery.ledger, logger: logger, memory: &memory)
        let deliverer = Deliverer(ledger: delivery.ledger, channels: delivery.channels, clock: clock, logger: logger,
                                  isStopping: isStopping, onProgress: onProgress)
        let delivered = try deliverer.deliverAllDue(batch: batch, deadline: deliverUntil)
        let expired = try delivery.ledger.expireOverdue(now: clock.now)
        let now = clock.now
        let erased = try delivery.ledger.eraseFinished(before: now.addingTimeInterval(-delivery.outreach.configuration.retain.timeInterval), now: now)
        let duration = clock.now.timeIntervalSince(started)
        try delivery.ledger.setLastTickDuration(duration)
        return Report(queued: queued, delivered: delivered, expiredInLedger: expired, erased: erased, duration: duration)
    }
}
