import Foundation

extension Outcome {
    /// A sentence for `explain` and the log, with times in `zone`; each time is said once.
    ///
    /// - Parameter due: the occurrence's due time when the reader has just been told it (`explain`
    ///   prints "due X; …"), so "not yet due" need not repeat it.
    public func explanation(in zone: TimeZone, due: Date? = nil) -> String {
        func t(_ d: Date) -> String { Timestamp.format(d, in: zone) }
        switch self {
        case .due:
            return "due now"
        case .waiting(let until, let reasons):
            if let due, until == due, reasons == [.notYetDue(until: due)] { return "not yet due" }
            // The last wait ends when the message goes: "waits until X: not yet due", not "…until X: not yet due until X".
            return "waits until \(t(until)): " + reasons.enumerated().map { i, reason in
                let said = reason.end == due || (i == reasons.count - 1 && reason.end == until)
                return reason.explanation(in: zone, showingEnd: !said)
            }.joined(separator: ", then ")
        case .willExpire(let at, let reasons):
            return "cannot go out before its deadline (" + reasons.map { $0.explanation(in: zone, showingEnd: $0.end != due) }.joined(separator: ", then ")
                + "); will be recorded as expired at \(t(at))"
        case .expired(let at):
            return "expired: its max_lateness ran out at \(t(at)) before it could go out"
        case .recorded(let record):
            return "already \(record.state.rawValue) (ledger, since \(t(record.updatedAt))); never sent again"
        case .blocked(let block):
            switch block {
            case .optedOut: return "opted out: the customer gets nothing"
            case .suppressed: return "suppressed: the address is on the do-not-contact list"
            case .noAddress(let field, let channel): return "no address: the customer has no \(field.rawValue) for channel \"\(channel)\""
            case .held(let why): return "held: \(why)"
            }
        }
    }
}

extension Outcome.Wait {
    /// When this wait is over.
    public var end: Date {
        switch self {
        case .notYetDue(let until), .quietHours(let until), .frequencyCap(let until, _): return until
        }
    }

    /// What it waits for, and until when unless `showingEnd` is false (the sentence already said it).
    public func explanation(in zone: TimeZone, showingEnd: Bool = true) -> String {
        let until = showingEnd ? " until \(Timestamp.format(end, in: zone))" : ""
        switch self {
        case .notYetDue: return "not yet due" + until
        case .quietHours: return "quiet hours" + until
        case .frequencyCap(_, let by): return "frequency cap (\(by))" + until
        }
    }
}
