import Foundation

/// Claimed rows waiting for a worker, per channel: the hand-off between the thread that claims
/// batches from the ledger and the channels' worker threads, which live for the whole delivery run.
///
/// Workers block in ``take(channel:isStopping:)`` until a row comes or the backlog is closed; the
/// claimer blocks in ``waitForRoom(below:isStopping:)`` so it claims the next batch while the
/// workers still have rows, never far ahead of them (a claimed row holds a lease).
///
/// Taking a row wakes nobody unless the claimer waits for exactly that room: a broadcast per row
/// woke the claimer and every idle worker for each message (~8% of `run --once`'s CPU).
final class DeliveryBacklog: @unchecked Sendable {
    // @unchecked Sendable because every stored property is only touched with `condition` locked.
    private let condition = NSCondition()
    private var waiting: [String: [OutboxItem]] = [:]
    private var heads: [String: Int] = [:]
    /// Rows not yet taken, over every channel.
    private var unlockedCount = 0
    /// While the claimer waits in ``waitForRoom(below:isStopping:)``: the count it waits to fall below.
    private var roomWanted: Int?
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
            unlockedCount += items.count
            condition.broadcast()
        }
    }

    /// Rows not yet taken, over every channel.
    var count: Int { locked { unlockedCount } }

    /// The next row for `channel`; `nil` once the backlog is closed and this channel's rows are
    /// gone, or once `isStopping` says so (the row stays for ``drain()``).
    ///
    /// - Parameter waiting: whether to wait for a row when none is there; `false`: `nil` at once.
    func take(channel: String, isStopping: () -> Bool, waiting wait: Bool = true) -> OutboxItem? {
        locked {
            while true {
                if isStopping() { return nil }
                let head = heads[channel, default: 0]
                if let rows = waiting[channel], head < rows.count {
                    // A moving head instead of removeFirst: taking a row costs O(1).
                    heads[channel] = head + 1
                    if head + 1 == rows.count { waiting[channel] = nil; heads[channel] = nil }
                    unlockedCount -= 1
                    if let wanted = roomWanted, unlockedCount < wanted { condition.broadcast() }
                    return rows[head]
                }
                if closed || !wait { return nil }
                condition.wait(until: Date(timeIntervalSinceNow: Self.stopPoll))
            }
        }
    }

    /// Puts back a row taken but never attempted (the worker saw the stop), for ``drain()``.
    func giveBack(_ item: OutboxItem, channel: String) {
        add([item], channel: channel)
    }

    /// Blocks while `limit` or more rows wait (or until `isStopping`).
    func waitForRoom(below limit: Int, isStopping: () -> Bool) {
        locked {
            roomWanted = limit
            defer { roomWanted = nil }
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
            unlockedCount = 0
            condition.broadcast()
            return left
        }
    }
}
