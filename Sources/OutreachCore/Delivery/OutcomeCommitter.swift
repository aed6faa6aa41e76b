import Dispatch
import Foundation

/// Group commit for attempt outcomes: one ledger transaction (one durable commit, one fsync)
/// records whatever the workers handed in while the previous one was committing.
///
/// A worker hands its outcome in (``handIn(_:_:)``, at once), makes its next message ready, and
/// waits (``wait(_:)``) for the transaction holding the outcome to be durable before that next
/// attempt: a worker never starts another attempt while one of its outcomes is unrecorded, so a
/// crash can only repeat the attempts under way (at most one per worker), each with its own
/// Message-ID or Idempotency-Key. Throughput comes from the group: the more workers wait, the more
/// outcomes one commit holds; a busy machine makes the committing thread slower to wake, and so
/// its groups larger.
///
/// Measured against committing in the workers themselves (the first worker to wait commits what
/// is pending): that made one transaction per message at concurrency 4, where this thread's
/// groups hold about two, and was no cheaper for the wake-ups it saved.
final class OutcomeCommitter: Sendable {
    private let ledger: any Ledger
    private let clock: any Clock
    private let state = Locked(Pending())
    /// One signal per outcome handed in (and one for ``stop()``); the committing thread wakes on it.
    private let work = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)

    private struct Pending {
        var waiting: [Waiter] = []
        var stopping = false
    }

    /// One outcome handed in: what ``wait(_:)`` waits for.
    struct Ticket {
        fileprivate let waiter: Waiter
    }

    /// One outcome and the worker waiting for its commit.
    fileprivate final class Waiter: Sendable {
        let outcome: LedgerOutcome
        private let result = Locked<Result<Bool, any Error>?>(nil)
        private let ready = DispatchSemaphore(value: 0)

        init(_ outcome: LedgerOutcome) { self.outcome = outcome }

        func finish(_ value: Result<Bool, any Error>) {
            result.withLock { $0 = value }
            ready.signal()
        }

        func wait() throws -> Bool {
            ready.wait()
            return try result.withLock { $0 }!.get()
        }
    }

    /// Starts the committing thread; ``stop()`` ends it.
    init(ledger: any Ledger, clock: any Clock) {
        self.ledger = ledger
        self.clock = clock
        let thread = Thread { [self] in run() }
        thread.name = "outreachd-commit"
        thread.start()
    }

    /// Queues `transition` for `claimed` for the next group; returns at once. After ``stop()`` it
    /// is recorded on its own, at once.
    func handIn(_ claimed: OutboxItem, _ transition: LedgerTransition) -> Ticket {
        let waiter = Waiter(LedgerOutcome(claimed, transition))
        let queued = state.withLock { pending -> Bool in
            guard !pending.stopping else { return false }
            pending.waiting.append(waiter)
            return true
        }
        if queued {
            work.signal()
        } else {
            waiter.finish(Result { try ledger.record(claimed, transition, now: clock.now) })
        }
        return Ticket(waiter: waiter)
    }

    /// Returns once the group holding `ticket`'s outcome is committed: `false` when the claim was
    /// lost (see ``Ledger/record(_:now:)``); throws when that transaction failed.
    func wait(_ ticket: Ticket) throws -> Bool {
        try ticket.waiter.wait()
    }


    /// Commits what is waiting, then ends the committing thread; later outcomes are recorded one by one.
    func stop() {
        state.withLock { $0.stopping = true }
        work.signal()
        stopped.wait()
    }

    private func run() {
        while true {
            work.wait()
            let (group, stopping) = state.withLock { pending in
                defer { pending.waiting.removeAll(keepingCapacity: true) }
                return (pending.waiting, pending.stopping)
            }
            if !group.isEmpty { commit(group) }
            // Nothing is queued once `stopping` is seen: this group was the last.
            if stopping { break }
        }
        stopped.signal()
    }

    /// One transaction for the group; if it fails, every outcome in it fails with its error (the
    /// rows stay claimed, and are retried with the same key after a restart or the lease).
    private func commit(_ group: [Waiter]) {
        do {
            let recorded = try ledger.record(group.map(\.outcome), now: clock.now)
            for (index, waiter) in group.enumerated() { waiter.finish(.success(index < recorded.count && recorded[index])) }
        } catch {
            for waiter in group { waiter.finish(.failure(error)) }
        }
    }
}
