import Foundation
import Testing
@testable import OutreachCore

/// The hand-off between the claiming thread and the workers: rows in order per channel, a take
/// that need not wait, rows given back on a stop, and the claimer woken when room is made.
@Suite struct DeliveryBacklogTests {
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    func row(_ key: String, channel: String = "email") -> OutboxItem {
        OutboxItem(key: key, rule: "birthday", customerID: "C1", channel: channel, recipient: "eva@example.hu", recipientName: nil,
                   subject: nil, body: "Hello", locale: "hu", customerJSON: "{}", state: .sending, dueAt: now, deadline: now, queuedAt: now)
    }

    @Test func testRowsComeInOrderPerChannelAndATakeNeedNotWait() {
        let backlog = DeliveryBacklog()
        #expect(backlog.take(channel: "email", isStopping: { false }, waiting: false) == nil, "empty: nil at once")
        backlog.add([row("a"), row("b")], channel: "email")
        backlog.add([row("h", channel: "hook")], channel: "hook")
        #expect(backlog.count == 3)
        #expect(backlog.take(channel: "email", isStopping: { false }, waiting: false)?.key == "a")
        #expect(backlog.take(channel: "email", isStopping: { false })?.key == "b")
        #expect(backlog.take(channel: "email", isStopping: { false }, waiting: false) == nil)
        #expect(backlog.count == 1)
        backlog.close()
        #expect(backlog.take(channel: "hook", isStopping: { false })?.key == "h")
        #expect(backlog.take(channel: "hook", isStopping: { false }) == nil, "closed and empty: the worker ends")
    }

    @Test func testARowGivenBackOnAStopIsDrainedWithTheRest() {
        let backlog = DeliveryBacklog()
        backlog.add([row("a"), row("b")], channel: "email")
        let taken = backlog.take(channel: "email", isStopping: { false })
        #expect(backlog.take(channel: "email", isStopping: { true }) == nil, "stopping: nothing more is handed out")
        backlog.giveBack(taken!, channel: "email")
        #expect(Set(backlog.drain().map(\.key)) == ["a", "b"])
        #expect(backlog.count == 0)
    }

    @Test func testTheClaimerWaitingForRoomWakesWhenAWorkerMakesIt() async throws {
        let backlog = DeliveryBacklog()
        backlog.add((0..<3).map { row("r\($0)") }, channel: "email")
        let waited = Locked<Date?>(nil)
        let claimer = Thread {
            backlog.waitForRoom(below: 3, isStopping: { false })
            waited.withLock { $0 = Date() }
        }
        claimer.start()
        try await Task.sleep(for: .milliseconds(200))
        #expect(waited.withLock { $0 } == nil, "3 rows wait: no room below 3 yet")
        let took = Date()
        _ = backlog.take(channel: "email", isStopping: { false })
        for _ in 0..<100 where waited.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        let woke = try #require(waited.withLock { $0 })
        #expect(woke >= took)
        #expect(backlog.count == 2)
    }
}
