import Foundation

/// Decides, for one instant, which occurrences go out now, which wait and until when, and which expire.
///
/// Pure: the ledger's facts come in as values, so quiet hours, the cap and lateness are tested
/// without a database. The daemon, `preview`, `explain` and `forecast` all use this one decision.
public struct Planner: Sendable {
    /// An occurrence with where it would go.
    public struct Candidate: Sendable {
        public var occurrence: Occurrence
        public var channel: ChannelConfiguration
        /// The customer's address for the channel, `nil` when they have none.
        public var recipient: String?

        public init(occurrence: Occurrence, channel: ChannelConfiguration, recipient: String?) {
            self.occurrence = occurrence
            self.channel = channel
            self.recipient = recipient
        }
    }

    /// The ledger's facts the decision depends on.
    public struct History: Sendable {
        public var records: [String: LedgerRecord] = [:]
        /// Per customer, the times of messages that count towards the cap.
        public var capEvents: [String: [Date]] = [:]
        /// Suppressed addresses, as ``ContactAddress/key(for:)`` spells them.
        public var suppressed: Set<String> = []

        public init(records: [String: LedgerRecord] = [:], capEvents: [String: [Date]] = [:], suppressed: Set<String> = []) {
            self.records = records
            self.capEvents = capEvents
            self.suppressed = suppressed
        }
    }

    public var sendWindow: SendWindow?
    public var cap: FrequencyCap?

    public init(sendWindow: SendWindow?, cap: FrequencyCap?) {
        self.sendWindow = sendWindow
        self.cap = cap
    }

    public func plan(_ candidates: [Candidate], history: History, now: Date) -> [PlanEntry] {
        var entries: [PlanEntry] = []
        var open: [String: [Candidate]] = [:]
        for candidate in candidates {
            let o = candidate.occurrence
            if let record = history.records[o.key] {
                entries.append(PlanEntry(candidate, .recorded(record)))
            } else if o.customer.optedOut {
                entries.append(PlanEntry(candidate, .blocked(.optedOut)))
            } else if candidate.recipient == nil {
                entries.append(PlanEntry(candidate, .blocked(.noAddress(candidate.channel.address, channel: candidate.channel.name))))
            } else if let r = candidate.recipient, history.suppressed.contains(ContactAddress.key(for: r)) {
                entries.append(PlanEntry(candidate, .blocked(.suppressed)))
            } else if o.deadline < now {
                entries.append(PlanEntry(candidate, .expired(at: o.deadline)))
            } else if let hold = o.hold, o.due <= now {
                entries.append(PlanEntry(candidate, .blocked(.held(hold))))
            } else {
                open[o.customer.id, default: []].append(candidate)
            }
        }
        for (customerID, group) in open {
            entries += schedule(group, sent: history.capEvents[customerID] ?? [], now: now)
        }
        // Sort small keys and permute once: comparing whole entries copies (and retains) every field.
        let order = entries.indices.map { (entries[$0].occurrence.due, entries[$0].occurrence.key, $0) }.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        return order.map { entries[$0.2] }
    }

    /// Plays one customer's open occurrences forward in time: each goes at the first instant that is
    /// not before its due time, inside the send window and under the cap; at equal instants the
    /// higher priority goes first and the other waits for the cap to free.
    private func schedule(_ group: [Candidate], sent: [Date], now: Date) -> [PlanEntry] {
        struct Pending {
            var candidate: Candidate
            var earliest: Date
            var reasons: [Outcome.Wait]
        }
        var pending = group.map { c -> Pending in
            var reasons: [Outcome.Wait] = []
            var t = now
            if c.occurrence.due > now {
                t = c.occurrence.due
                reasons.append(.notYetDue(until: t))
            }
            let opened = open(t, c.occurrence.zone)
            if opened > t { reasons.append(.quietHours(until: opened)) }
            return Pending(candidate: c, earliest: opened, reasons: reasons)
        }
        var sends: [(at: Date, key: String?)] = sent.map { ($0, nil) }
        var entries: [PlanEntry] = []
        while !pending.isEmpty {
            let i = pending.indices.min { a, b in
                let x = pending[a], y = pending[b]
                if x.earliest != y.earliest { return x.earliest < y.earliest }
                if x.candidate.occurrence.rule.priority != y.candidate.occurrence.rule.priority {
                    return x.candidate.occurrence.rule.priority > y.candidate.occurrence.rule.priority
                }
                return (x.candidate.occurrence.due, x.candidate.occurrence.key) < (y.candidate.occurrence.due, y.candidate.occurrence.key)
            }!
            var p = pending[i]
            let deadline = p.candidate.occurrence.deadline
            if p.earliest > deadline {
                entries.append(PlanEntry(p.candidate, .willExpire(at: deadline, reasons: p.reasons)))
                pending.remove(at: i)
                continue
            }
            if let cap, let free = capFrees(at: p.earliest, sends: sends, cap: cap) {
                let opened = open(free.at, p.candidate.occurrence.zone)
                p.reasons.append(.frequencyCap(until: opened, by: free.byKey ?? "an earlier message"))
                p.earliest = opened
                pending[i] = p
                continue
            }
            // Planned sends occupy the cap like sent ones; their keys name the blocker in `explain`.
            sends.append((p.earliest, p.candidate.occurrence.key))
            entries.append(PlanEntry(p.candidate, p.earliest == now && p.reasons.isEmpty ? .due : .waiting(until: p.earliest, reasons: p.reasons)))
            pending.remove(at: i)
        }
        return entries
    }

    private func open(_ t: Date, _ zone: TimeZone) -> Date {
        sendWindow?.nextOpening(atOrAfter: t, in: zone) ?? t
    }

    /// `nil` if one more message fits under the cap at `t`; else when it will fit and which send blocks it.
    private func capFrees(at t: Date, sends: [(at: Date, key: String?)], cap: FrequencyCap) -> (at: Date, byKey: String?)? {
        let start = t.addingTimeInterval(-cap.period.timeInterval)
        let window = sends.filter { $0.at > start && $0.at <= t }.sorted { $0.at < $1.at }
        guard window.count >= cap.count else { return nil }
        let blocking = window[window.count - cap.count]
        return (blocking.at.addingTimeInterval(cap.period.timeInterval), blocking.key)
    }
}

/// The decision for one occurrence.
public struct PlanEntry: Sendable {
    public var occurrence: Occurrence
    public var channel: ChannelConfiguration
    public var recipient: String?
    public var outcome: Outcome

    init(_ candidate: Planner.Candidate, _ outcome: Outcome) {
        self.occurrence = candidate.occurrence
        self.channel = candidate.channel
        self.recipient = candidate.recipient
        self.outcome = outcome
    }
}
