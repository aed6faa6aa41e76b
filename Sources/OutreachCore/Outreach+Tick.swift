import Foundation
import Logging

extension Outreach {
    /// What evaluating the rules put into the ledger.
    public struct QueueReport: Sendable, Equatable {
        /// Occurrences due now.
        public var due = 0
        /// Of those, newly queued (the rest were already in the ledger).
        public var queued = 0
        /// Occurrences whose deadline passed unsent, now recorded as expired.
        public var expired = 0
        /// Due occurrences whose message could not be rendered, recorded as failed.
        public var failed = 0
        /// Store rows the rules could not use, with the reason (for the log).
        public var skipped: [String] = []
        /// Whether only what was new since the last tick was planned (see ``EvaluationMemory``),
        /// rather than every rule's whole window.
        public var incremental = false

        public init() {}
    }

    /// The longest downtime a tick looks back over for occurrences to record as expired.
    public static let maximumCatchUp = TimeSpan.days(60)

    /// How far ahead a daemon's full evaluation also looks, so that the ticks after it only pick
    /// up what became due (see ``EvaluationMemory``): an hour of occurrences is a small share of
    /// a lateness window's, and one full evaluation an hour is cheap.
    public static let evaluationHorizon = TimeSpan.hours(1)

    /// Evaluates the rules at `now` and commits to the ledger, before any attempt, every message due
    /// (rendered) and every occurrence that expired since the last tick.
    public func queueDue(at now: Date, into ledger: any Ledger, logger: Logger) throws -> QueueReport {
        var memory: EvaluationMemory?
        return try queueDue(at: now, into: ledger, logger: logger, memory: &memory)
    }

    /// The same for a tick of a running daemon: `memory` is what the last tick left (`nil` for
    /// the first), and is replaced by what this one leaves (`nil` when it throws). With it, a tick
    /// plans only what is new since the last one, or else evaluates everything.
    public func queueDue(at now: Date, into ledger: any Ledger, logger: Logger, memory: inout EvaluationMemory?) throws -> QueueReport {
        let remembered = memory
        memory = nil
        let last = try ledger.lastTick()
        let downtime = last.map { min(max(0, now.timeIntervalSince($0)), Self.maximumCatchUp.timeInterval) } ?? 0
        let lookback = TimeSpan(seconds: Int(downtime.rounded(.up)))
        // Read before evaluating: a change made meanwhile shows at the next tick.
        let storeVersion = try store.dataVersion(), ledgerVersion = try ledger.dataVersion()
        var plan: Plan
        let upcoming: [PlanEntry]
        let horizon: Date
        var report = QueueReport()
        if let remembered, let (due, pending, later) = remembered.entries(at: now, store: storeVersion, ledger: ledgerVersion, lookback: lookback,
                                                                              lateness: configuration.rules.map(\.maxLateness)) {
            plan = Plan(now: now)
            plan.entries = due
            upcoming = later
            horizon = remembered.horizon
            try decide(&plan, unrecorded: pending)
            report.incremental = true
        } else {
            plan = try occurrences(at: now, lookback: lookback, horizon: Self.evaluationHorizon)
            horizon = now.addingTimeInterval(Self.evaluationHorizon.timeInterval)
            let split = plan.entries.partition { $0.occurrence.due > now }
            upcoming = plan.entries[split...].sorted { $0.occurrence.due < $1.occurrence.due }
            plan.entries.removeSubrange(split...)
            try decide(&plan)
            try addUnreadableRows(to: &plan, customerID: nil)
        }
        report.skipped = plan.skipped.map(\.description) + plan.unreadable.map(\.description)
        var items: [OutboxItem] = []
        for entry in plan.entries {
            switch entry.outcome {
            case .due:
                report.due += 1
                do {
                    let message = try render(entry)
                    items.append(outboxItem(entry, message: message, state: .queued, now: now))
                } catch {
                    report.failed += 1
                    logger.error("cannot render", metadata: ["key": "\(entry.occurrence.key)", "error": "\(error)"])
                    var item = outboxItem(entry, message: RenderedMessage(subject: nil, body: "", template: ""), state: .failed, now: now)
                    item.lastError = error.description
                    item.failureClass = .invalidMessage
                    items.append(item)
                }
            case .expired:
                var item = outboxItem(entry, message: RenderedMessage(subject: nil, body: "", template: ""), state: .expired, now: now)
                item.lastError = "max_lateness (\(entry.occurrence.rule.maxLateness)) ran out before it could go out (daemon down, quiet hours or cap)"
                items.append(item)
            default:
                continue
            }
        }
        let enqueued = try ledger.enqueue(items, cap: configuration.schedule.maxPerCustomer, now: now)
        if enqueued.inserted + enqueued.heldByCap < items.count {
            logger.debug("keys already in the ledger (another instance got there first)", metadata: ["count": "\(items.count - enqueued.inserted - enqueued.heldByCap)"])
        }
        if enqueued.heldByCap > 0 {
            logger.info("held by the frequency cap: another message to the same customer was queued meanwhile", metadata: ["count": "\(enqueued.heldByCap)"])
        }
        report.queued = enqueued.queued
        report.expired = items.filter { $0.state == .expired }.count
        report.failed = items.filter { $0.state == .failed }.count
        try ledger.setLastTick(now)
        // Only when every item went in: then the ledger holds exactly the keys it held plus these,
        // and every entry kept is known not to be in it.
        if let storeVersion, let ledgerVersion, enqueued.inserted == items.count {
            let inserted = Set(items.map(\.key))
            memory = EvaluationMemory(through: now, lookback: lookback, horizon: horizon, storeVersion: storeVersion, ledgerVersion: ledgerVersion,
                                      pending: plan.entries.filter { EvaluationMemory.staysPending($0) && !inserted.contains($0.occurrence.key) },
                                      upcoming: upcoming)
        }
        return report
    }

    /// The ledger row for `entry`.
    public func outboxItem(_ entry: PlanEntry, message: RenderedMessage, state: LedgerState, now: Date) -> OutboxItem {
        let customer = entry.occurrence.customer
        // Keys sorted, written by hand (JSONSerialization over `Any` was ~8% of run --once's CPU); the
        // webhook body takes these bytes as they are (``HTTPChannel/customerObject(_:)``).
        var fields: [(key: String, value: String)] = []
        if let email = customer.email { fields.append((key: "email", value: email)) }
        fields.append((key: "id", value: customer.id))
        fields.append((key: "locale", value: customer.locale ?? configuration.schedule.defaultLocale))
        fields.append((key: "name", value: customer.name))
        if let phone = customer.phone { fields.append((key: "phone", value: phone)) }
        let json = String(decoding: JSONText.object(fields), as: UTF8.self)
        return OutboxItem(key: entry.occurrence.key, rule: entry.occurrence.rule.name, customerID: customer.id, channel: entry.channel.name,
                          recipient: entry.recipient ?? "", recipientName: customer.name, subject: message.subject, body: message.body,
                          locale: customer.locale ?? configuration.schedule.defaultLocale, customerJSON: json, state: state,
                          dueAt: entry.occurrence.due, deadline: entry.occurrence.deadline, queuedAt: now)
    }

    /// The channels of the configuration, with their secrets read; throws when any cannot deliver.
    public func makeChannels(environment: [String: String] = ProcessInfo.processInfo.environment) throws(DiagnosticError) -> [String: any Channel] {
        let (channels, diagnostics) = configuration.prepareChannels(environment: environment)
        let errors = diagnostics.filter(\.isError)
        guard errors.isEmpty else { throw DiagnosticError(errors) }
        return channels
    }
}
