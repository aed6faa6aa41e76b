import Foundation

/// What a daemon tick's evaluation of the rules leaves for the next tick, so that the next one
/// costs what is new since then instead of the whole lateness window again.
///
/// A full evaluation at `t0` finds every occurrence due from the lateness windows up to `t0`,
/// and also those due in the next ``Outreach/evaluationHorizon`` (kept as ``upcoming``). After it,
/// everything at or before `t0` is either in the ledger, where it stays for good, or kept here
/// (``pending``). A later tick at `t1` with the same store data, the same ledger (no other
/// process wrote it), `t1` within the horizon and every rule's window starting no earlier than
/// at `t0` would find, evaluating everything:
/// - occurrences due after `t0`: exactly the upcoming ones due by `t1`, the data being the same;
/// - occurrences due by `t0`, within its (later-starting) window: the same ones as at `t0`, of
///   which those the ledger holds are decided (`.recorded`) whatever else happens.
///
/// So planning the pending and the newly due entries decides every occurrence a full evaluation
/// could queue or expire, with the ledger's current records, cap events and suppressions. Left
/// out are only entries blocked by the store's own data (opted out, no address: checked before
/// expiry, so never recorded), which stay blocked while the data stays. Anything else (a store
/// or ledger changed by someone else, a window reaching further back, a clock gone back, the
/// horizon passed) makes the next tick evaluate everything again. The memory belongs to the
/// `Outreach` that made it: a reload starts without one.
public struct EvaluationMemory: Sendable {
    /// The instant the rules were last evaluated at.
    let through: Date
    /// That evaluation's lookback (its windows started each rule's `max_lateness` and this much before `through`).
    let lookback: TimeSpan
    /// Upcoming occurrences are known up to here.
    let horizon: Date
    let storeVersion: DataVersion
    let ledgerVersion: DataVersion
    /// Entries due by `through` that the ledger did not hold after that tick (so, with no other
    /// process writing it, does not hold now) and that a later tick could still queue or expire.
    let pending: [PlanEntry]
    /// Entries due after `through`, up to `horizon`, oldest first.
    let upcoming: [PlanEntry]

    /// The entries a tick at `now` must plan (first the `pending` ones, which the ledger does not
    /// hold, then the newly due ones, which it may), and those still to come; `nil` when this
    /// memory cannot stand in for a full evaluation.
    ///
    /// - Parameters:
    ///   - store: the store's data version now; `ledger`: the ledger's.
    ///   - lookback: the tick's lookback: a full evaluation's window starts `max_lateness` and
    ///     this much before `now`, and pending entries before it are left out as it leaves them.
    ///   - lateness: every rule's `max_lateness`: no window may start before the one at `through`
    ///     did (compared as the windows are computed, to the last bit).
    func entries(at now: Date, store: DataVersion?, ledger: DataVersion?, lookback: TimeSpan,
                 lateness: [TimeSpan]) -> (due: [PlanEntry], pending: Int, upcoming: [PlanEntry])? {
        guard store == storeVersion, ledger == ledgerVersion, now >= through, now <= horizon else { return nil }
        for span in lateness {
            let start = now.addingTimeInterval(-(span.timeInterval + lookback.timeInterval))
            guard start >= through.addingTimeInterval(-(span.timeInterval + self.lookback.timeInterval)) else { return nil }
        }
        var due = pending.filter { $0.occurrence.due >= now.addingTimeInterval(-($0.occurrence.rule.maxLateness.timeInterval + lookback.timeInterval)) }
        let kept = due.count
        let split = upcoming.partitioningIndex { $0.occurrence.due > now }
        due += upcoming[..<split]
        return (due, kept, Array(upcoming[split...]))
    }

    /// Whether a later tick must look at `entry` again, after a tick that decided it and put
    /// into the ledger every item it made (the due and the expired ones).
    static func staysPending(_ entry: PlanEntry) -> Bool {
        switch entry.outcome {
        case .recorded, .blocked(.optedOut), .blocked(.noAddress), .due, .expired: return false
        case .waiting, .willExpire, .blocked(.suppressed), .blocked(.held): return true
        }
    }
}
