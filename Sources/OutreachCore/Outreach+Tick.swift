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

        public init() {}
    }

    /// The longest downtime a tick looks back over for occurrences to record as expired.
    public static let maximumCatchUp = TimeSpan.days(60)

    /// Evaluates the rules at `now` and commits to the ledger, before any attempt, every message due
    /// (rendered) and every occurrence that expired since the last tick.
    public func queueDue(at now: Date, into ledger: any Ledger, logger: Logger) throws -> QueueReport {
        let last = try ledger.lastTick()
        let downtime = last.map { min(max(0, now.timeIntervalSince($0)), Self.maximumCatchUp.timeInterval) } ?? 0
        let plan = try plan(at: now, lookback: TimeSpan(seconds: Int(downtime.rounded(.up))))
        var report = QueueReport()
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
