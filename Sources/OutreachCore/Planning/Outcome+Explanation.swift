import Foundation

extension Outcome {
    /// A sentence for `explain` and the log, with times in `zone`.
    public func explanation(in zone: TimeZone) -> String {
        func t(_ d: Date) -> String { Timestamp.format(d, in: zone) }
        switch self {
        case .due:
            return "due now"
        case .waiting(let until, let reasons):
            return "waits until \(t(until)): " + reasons.map { $0.explanation(in: zone) }.joined(separator: ", then ")
        case .willExpire(let at, let reasons):
            return "cannot go out before its deadline (" + reasons.map { $0.explanation(in: zone) }.joined(separator: ", then ")
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
    public func explanation(in zone: TimeZone) -> String {
        switch self {
        case .notYetDue(let until): return "not yet due until \(Timestamp.format(until, in: zone))"
        case .quietHours(let until): return "quiet hours until \(Timestamp.format(until, in: zone))"
        case .frequencyCap(let until, let by): return "frequency cap (\(by)) until \(Timestamp.format(until, in: zone))"
        }
    }
}
