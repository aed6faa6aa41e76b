import Foundation

/// Decides, for one instant, which occurrences go out now, which wait and until when, and which expire.
///
/// Pure: the ledger's facts come in as values, so quiet hours, the cap and lateness are tested
/// without a database. The daemon, `preview`, `explain` and `forecast` all use this one decision.
public struct Planner: Sendable {
    /// An occurrence with where it would go.
    public struct Candidate: Sendable {
        public var occurrence: Occurrence
        /// Shared by every candidate of a rule (see ``Shared``).
        var sharedChannel: Shared<ChannelConfiguration>
        public var channel: ChannelConfiguration {
            get { sharedChannel.value }
            set { sharedChannel = Shared(newValue) }
        }
        /// The customer's address for the channel, `nil` when they have none.
        public var recipient: String?

        public init(occurrence: Occurrence, channel: ChannelConfiguration, recipient: String?) {
            self.init(occurrence: occurrence, channel: Shared(channel), recipient: recipient)
        }

        init(occurrence: Occurrence, channel: Shared<ChannelConfiguration>, recipient: String?) {
            self.occurrence = occurrence
            self.sharedChannel = channel
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
        var entries = candidates.map { PlanEntry($0, .due) }
        decide(&entries, history: history, now: now)
        return entries
    }

    /// Decides the outcome of every entry in place (whatever outcome it holds is replaced), then
    /// orders them by due time and key.
    ///
    /// In place, and by index: a tick plans tens of thousands of entries, and every copy of one
    /// is a few hundred bytes and a retain per field.
    func decide(_ entries: inout [PlanEntry], history: History, now: Date) {
        // The open entries by customer: sorted (customer, index) pairs rather than a list per
        // customer, which is tens of thousands of small arrays at the tick's peak of memory.
        var open: [(customerID: String, index: Int)] = []
        for i in entries.indices {
            if let outcome = settled(entries[i], history: history, now: now) {
                entries[i].outcome = outcome
            } else {
                open.append((entries[i].occurrence.customer.id, i))
            }
        }
        open.sort { ($0.customerID, $0.index) < ($1.customerID, $1.index) }
        var first = open.startIndex
        while first < open.endIndex {
            let customerID = open[first].customerID
            let end = open[first...].firstIndex { $0.customerID != customerID } ?? open.endIndex
            schedule(open[first..<end].map(\.index), in: &entries, sent: history.capEvents[customerID] ?? [], now: now)
            first = end
        }
        // Sort small keys, then move each entry once into its place (no copy of the array).
        var order = entries.indices.map { (entries[$0].occurrence.due, entries[$0].occurrence.key, $0) }
        order.sort { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
        let source = order.map(\.2)
        for i in source.indices {
            var j = source[i]
            // Entries before `i` are placed; the one meant for `i` was moved on from each of them.
            while j < i { j = source[j] }
            entries.swapAt(i, j)
        }
    }

    /// The outcome of `entry` when the ledger's records, the customer's data, the suppression list
    /// and the clock settle it alone; `nil` when it is open, to be played against the send window
    /// and the cap (which is all ``History/capEvents`` is needed for).
    func settled(_ entry: PlanEntry, history: History, now: Date) -> Outcome? {
        let o = entry.occurrence
        if let record = history.records[o.key] { return .recorded(record) }
        if o.customer.optedOut { return .blocked(.optedOut) }
        guard let recipient = entry.recipient else {
            let channel = entry.channel
            return .blocked(.noAddress(channel.address, channel: channel.name))
        }
        if !history.suppressed.isEmpty, history.suppressed.contains(ContactAddress.key(for: recipient)) { return .blocked(.suppressed) }
        if o.deadline < now { return .expired(at: o.deadline) }
        if let hold = o.hold, o.due <= now { return .blocked(.held(hold)) }
        return nil
    }

    /// Plays one customer's open occurrences (`group`, indices into `entries`) forward in time:
    /// each goes at the first instant that is not before its due time, inside the send window and
    /// under the cap; at equal instants the higher priority goes first and the other waits for
    /// the cap to free.
    private func schedule(_ group: [Int], in entries: inout [PlanEntry], sent: [Date], now: Date) {
        struct Pending {
            var index: Int
            var earliest: Date
            var reasons: [Outcome.Wait]
        }
        var pending = group.map { i -> Pending in
            var reasons: [Outcome.Wait] = []
            var t = now
            let due = entries[i].occurrence.due
            if due > now {
                t = due
                reasons.append(.notYetDue(until: t))
            }
            let opened = open(t, entries[i].occurrence.zone)
            if opened > t { reasons.append(.quietHours(until: opened)) }
            return Pending(index: i, earliest: opened, reasons: reasons)
        }
        var sends: [(at: Date, key: String?)] = sent.map { ($0, nil) }
        while !pending.isEmpty {
            let i = pending.indices.min { a, b in
                let x = pending[a], y = pending[b]
                if x.earliest != y.earliest { return x.earliest < y.earliest }
                let ox = entries[x.index].occurrence, oy = entries[y.index].occurrence
                if ox.rule.priority != oy.rule.priority { return ox.rule.priority > oy.rule.priority }
                return (ox.due, ox.key) < (oy.due, oy.key)
            }!
            var p = pending[i]
            let deadline = entries[p.index].occurrence.deadline
            if p.earliest > deadline {
                entries[p.index].outcome = .willExpire(at: deadline, reasons: p.reasons)
                pending.remove(at: i)
                continue
            }
            if let cap, let free = capFrees(at: p.earliest, sends: sends, cap: cap) {
                let opened = open(free.at, entries[p.index].occurrence.zone)
                p.reasons.append(.frequencyCap(until: opened, by: free.byKey ?? "an earlier message"))
                p.earliest = opened
                pending[i] = p
                continue
            }
            // Planned sends occupy the cap like sent ones; their keys name the blocker in `explain`.
            sends.append((p.earliest, entries[p.index].occurrence.key))
            entries[p.index].outcome = p.earliest == now && p.reasons.isEmpty ? .due : .waiting(until: p.earliest, reasons: p.reasons)
            pending.remove(at: i)
        }
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
    /// Shared by every entry of a rule (see ``Shared``).
    var sharedChannel: Shared<ChannelConfiguration>
    public var channel: ChannelConfiguration {
        get { sharedChannel.value }
        set { sharedChannel = Shared(newValue) }
    }
    public var recipient: String?
    public var outcome: Outcome

    init(_ candidate: Planner.Candidate, _ outcome: Outcome) {
        self.init(occurrence: candidate.occurrence, channel: candidate.sharedChannel, recipient: candidate.recipient, outcome: outcome)
    }

    init(occurrence: Occurrence, channel: Shared<ChannelConfiguration>, recipient: String?, outcome: Outcome) {
        self.occurrence = occurrence
        self.sharedChannel = channel
        self.recipient = recipient
        self.outcome = outcome
    }
}
