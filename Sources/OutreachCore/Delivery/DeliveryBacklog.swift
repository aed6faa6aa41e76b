import Foundation

/// Claimed rows waiting for a worker, per channel: the hand-off between the thread that claims
/// batches from the ledger and the channels' worker threads, which live for the whole delivery run.
///
/// Workers block in ``take(channel:isStopping:)`` until a row comes or the backlog is closed; the
/// claimer blocks in ``waitForRoom(below:isStopping:)`` so it claims the next batch while the
/// workers still have rows, never far ahead of them (a claimed row holds a lease).
final class DeliveryBacklog: @unchecked Sendable {
    // @unchecked Sendable because `waiting` and `closed` are only touched with `condition` locked.
    private let condition = NSCondition()
    private var waiting: [String: [OutboxItem]] = [:]
    private var heads: [String: Int] = [:]
    private var closed = false

    /// How long a blocked caller sleeps before looking at `isStopping` again.
    private static let stopPoll: TimeInterval = 0.05

    private func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    /// Queues `items` for `channel`'s workers.
    func add(_ items: [OutboxItem], channel: String) {
        guard !items.isEmpty else { return }
        locked {
            waiting[channel, default: []].append(contentsOf: items)
            condition.broadcast()
        }
    }

    /// Rows not yet taken, over every channel.
    var count: Int { locked { unlockedCount } }

    private var unlockedCount: Int { waiting.reduce(0) { $0 + $1.value.count - heads[$1.key, default: 0] } }

    /// The next row for `channel`; `nil` once the backlog is closed and this channel's rows are
    /// gone, or once `isStopping` says so (the row stays for ``drain()``).
    func take(channel: String, isStopping: () -> Bool) -> OutboxItem? {
        locked {
            while true {
                if isStopping() { return nil }
                let head = heads[channel, default: 0]
                if let rows = waiting[channel], head < rows.count {
                    // A moving head instead of removeFirst: taking a row costs O(1).
                    heads[channel] = head + 1
                    if head + 1 == rows.count { waiting[channel] = nil; heads[channel] = nil }
                    condition.broadcast()
                    return rows[head]
                }
                if closed { return nil }
                condition.wait(until: Date(timeIntervalSinceNow: Self.stopPoll))
            }
        }
    }

    /// Blocks while `limit` or more rows wait (or until `isStopping`).
    func waitForRoom(below limit: Int, isStopping: () -> Bool) {
        locked {
            while unlockedCount >= limit, !isStopping() {
                condition.wait(until: Date(timeIntervalSinceNow: Self.stopPoll))
            }
        }
    }

    /// No more rows will come: workers finish what waits, then end.
    func close() {
        locked {
            closed = true
            condition.broadcast()
        }
    }

    /// Removes and returns every row not taken (a stop, or a channel whose workers ended).
    func drain() -> [OutboxItem] {
        locked {
            let left = waiting.flatMap { channel, rows in rows[heads[channel, default: 0]...] }
            waiting = [:]
            heads = [:]
            condition.broadcast()
            return left
        }
    }
}
