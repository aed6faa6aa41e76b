import Foundation
import OutreachTestSupport
import GRDB
import Testing
@testable import OutreachCore

/// The SQLite ledger on a real file: the outbox's states and transitions, and its durability settings.
@Suite struct LedgerOutboxTests {
    let folder = TemporaryFolder()
    let now = at("2026-11-23T10:00:00Z")

    func ledger() throws -> SQLiteLedger { try SQLiteLedger(path: folder.file("state.db"), access: .create) }

    func item(_ key: String, due: Date? = nil, deadline: Date? = nil, body: String = "Hello", recipient: String = "eva@example.hu",
              state: LedgerState = .queued) -> OutboxItem {
        OutboxItem(key: key, rule: "birthday", customerID: "C1", channel: "email", recipient: recipient, recipientName: "Kovács Éva",
                   subject: "Boldog születésnapot", body: body, locale: "hu", customerJSON: "{}", state: state,
                   dueAt: due ?? now.addingTimeInterval(-3600), deadline: deadline ?? now.addingTimeInterval(86_400), queuedAt: now)
    }

    // MARK: enqueue

    @Test func testEnqueueIsIdempotentPerKey() throws {
        let l = try ledger()
        #expect(try l.enqueue([item("a")]) == 1)
        #expect(try l.enqueue([item("a", body: "edited")]) == 0)
        #expect(try l.enqueue([item("a"), item("b")]) == 1)
        #expect(try l.enqueue([]) == 0)
        // The first version stays: a key is inserted once, ever.
        #expect(try l.item(key: "a")?.body == "Hello")
        #expect(try l.pendingCount() == 2)

        // Even after it was sent, the key cannot come back.
        let claimed = try l.claim(now: now, limit: 10)
        for c in claimed { try l.record(c.key, .sent(reply: "250 ok"), now: now) }
        #expect(try l.enqueue([item("a"), item("b")]) == 0)
        #expect(try l.item(key: "a")?.state == .sent)
        #expect(try l.pendingCount() == 0)
    }

    @Test func testEnqueuedRowsAreDurableAndVisibleToAnotherConnection() throws {
        let l = try ledger()
        try l.enqueue([item("a"), item("b")])
        // A fresh connection (another process, or the next start) sees them committed.
        let other = try DatabaseQueue(path: folder.file("state.db"))
        #expect(try other.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox WHERE state = 'queued'") } == 2)
        let item = try #require(try l.item(key: "a"))
        #expect(item.recipientName == "Kovács Éva")
        #expect(item.subject == "Boldog születésnapot")
        #expect(item.queuedAt == now)
    }

    // MARK: claim

    @Test func testClaimMovesQueuedToSendingAndCountsTheAttempt() throws {
        let l = try ledger()
        try l.enqueue([item("late", due: now.addingTimeInterval(-60)), item("early", due: now.addingTimeInterval(-7200)), item("mid", due: now.addingTimeInterval(-600))])
        let first = try l.claim(now: now, limit: 2)
        #expect(first.map(\.key) == ["early", "mid"], "oldest due first")
        for c in first {
            #expect(c.state == .sending)
            #expect(c.attempts == 1)
            #expect(try l.item(key: c.key)?.state == .sending)
            #expect(try l.item(key: c.key)?.attempts == 1)
        }
        // Sending rows are not claimed again.
        let second = try l.claim(now: now, limit: 10)
        #expect(second.map(\.key) == ["late"])
        #expect(try l.claim(now: now, limit: 10).isEmpty)
        #expect(try l.pendingCount() == 3)
    }

    @Test func testRetryRowsAreClaimedOnlyWhenDue() throws {
        let l = try ledger()
        try l.enqueue([item("a")])
        let claimed = try #require(try l.claim(now: now, limit: 1).first)
        let next = now.addingTimeInterval(300)
        try l.record(claimed.key, .retry(at: next, error: "451 4.7.1 try later"), now: now)
        let row = try #require(try l.item(key: "a"))
        #expect(row.state == .retry)
        #expect(row.nextAttemptAt == next)
        #expect(row.lastError == "451 4.7.1 try later")

        #expect(try l.claim(now: now, limit: 10).isEmpty)
        #expect(try l.claim(now: next.addingTimeInterval(-1), limit: 10).isEmpty)
        let again = try l.claim(now: next, limit: 10)
        #expect(again.map(\.key) == ["a"])
        #expect(again.first?.attempts == 2)
        #expect(try l.item(key: "a")?.state == .sending)
    }

    // MARK: record

    @Test func testRecordTransitions() throws {
        let l = try ledger()
        try l.enqueue([item("sent"), item("failed"), item("expired"), item("retry")])
        _ = try l.claim(now: now, limit: 10)
        let later = now.addingTimeInterval(5)
        try l.record("sent", .sent(reply: "250 2.0.0 Ok: queued as 1"), now: later)
        try l.record("failed", .failed("550 5.1.1 no such user"), now: later)
        try l.record("expired", .expired("gave up"), now: later)
        try l.record("retry", .retry(at: later.addingTimeInterval(300), error: "451 later"), now: later)

        let sent = try #require(try l.item(key: "sent"))
        #expect(sent.state == .sent)
        #expect(sent.reply == "250 2.0.0 Ok: queued as 1")
        #expect(sent.nextAttemptAt == nil)
        #expect(sent.updatedAt == later)

        let failed = try #require(try l.item(key: "failed"))
        #expect(failed.state == .failed)
        #expect(failed.lastError == "550 5.1.1 no such user")
        #expect(failed.nextAttemptAt == nil)

        #expect(try l.item(key: "expired")?.state == .expired)
        #expect(try l.item(key: "expired")?.lastError == "gave up")
        #expect(try l.item(key: "retry")?.state == .retry)
        #expect(try l.pendingCount() == 1)

        // A retry that then succeeds clears its next attempt.
        _ = try l.claim(now: later.addingTimeInterval(300), limit: 10)
        try l.record("retry", .sent(reply: "250 ok"), now: later.addingTimeInterval(301))
        let retried = try #require(try l.item(key: "retry"))
        #expect(retried.state == .sent)
        #expect(retried.nextAttemptAt == nil)
        #expect(retried.attempts == 2)
        let counts = try l.counts().filter { $0.rule == "birthday" }
        #expect(Dictionary(uniqueKeysWithValues: counts.map { ($0.state, $0.count) }) == [.sent: 2, .failed: 1, .expired: 1])
    }

    // MARK: expireOverdue, recoverInterrupted, release

    @Test func testExpireOverdueExpiresOnlyWaitingRowsPastTheirDeadline() throws {
        let l = try ledger()
        let deadline = now.addingTimeInterval(-1)
        try l.enqueue([item("queued-late", deadline: deadline), item("queued-ok", deadline: now.addingTimeInterval(3600)),
                       item("retry-late", deadline: deadline), item("sending-late", deadline: deadline), item("sent-late", deadline: deadline),
                       item("queued-at-deadline", deadline: now)])
        _ = try l.claim(now: now.addingTimeInterval(-7200), limit: 10)  // all sending
        try l.record("retry-late", .retry(at: now.addingTimeInterval(600), error: "451 greylisted"), now: now)
        try l.record("sent-late", .sent(reply: "250"), now: now)
        try l.release(["queued-late", "queued-ok", "queued-at-deadline"], now: now)

        #expect(try l.expireOverdue(now: now) == 2)
        let queuedLate = try #require(try l.item(key: "queued-late"))
        #expect(queuedLate.state == .expired)
        #expect(queuedLate.lastError?.contains("max_lateness") == true)
        #expect(queuedLate.nextAttemptAt == nil)
        let retryLate = try #require(try l.item(key: "retry-late"))
        #expect(retryLate.state == .expired)
        #expect(retryLate.lastError?.contains("451 greylisted") == true, "the last error is kept: \(retryLate.lastError ?? "")")
        #expect(retryLate.lastError?.contains("max_lateness") == true)
        #expect(try l.item(key: "queued-ok")?.state == .queued)
        #expect(try l.item(key: "queued-at-deadline")?.state == .queued, "the deadline itself is still in time")
        #expect(try l.item(key: "sending-late")?.state == .sending, "an attempt under way is not expired under it")
        #expect(try l.item(key: "sent-late")?.state == .sent)
        #expect(try l.expireOverdue(now: now) == 0)
    }

    @Test func testRecoverInterruptedRequeuesSendingRowsWithTheirKeys() throws {
        let l = try ledger()
        try l.enqueue([item("a"), item("b"), item("c")])
        let claimed = try l.claim(now: now, limit: 2)
        try l.record(claimed[1].key, .sent(reply: "250"), now: now)

        // The process dies; the next start opens the file again.
        let reopened = try ledger()
        #expect(try reopened.recoverInterrupted(now: now.addingTimeInterval(60)) == 1)
        let row = try #require(try reopened.item(key: claimed[0].key))
        #expect(row.state == .queued)
        #expect(row.body == claimed[0].body)
        #expect(try reopened.recoverInterrupted(now: now.addingTimeInterval(60)) == 0)
        let again = try reopened.claim(now: now.addingTimeInterval(60), limit: 10)
        #expect(Set(again.map(\.key)) == [claimed[0].key, "c"])
        // Same key, so the resend has the same Message-ID.
        let resent = try #require(again.first { $0.key == claimed[0].key })
        #expect(EmailMessage.messageID(key: resent.key, domain: "example.com") == EmailMessage.messageID(key: claimed[0].key, domain: "example.com"))
        #expect(try reopened.item(key: claimed[1].key)?.state == .sent)
    }

    @Test func testReleasePutsUnstartedRowsBackWithoutCountingAnAttempt() throws {
        let l = try ledger()
        try l.enqueue([item("a"), item("b")])
        let claimed = try l.claim(now: now, limit: 10)
        try l.record("b", .sent(reply: "250"), now: now)
        try l.release(claimed.map(\.key), now: now)
        #expect(try l.item(key: "a")?.state == .queued)
        #expect(try l.item(key: "a")?.attempts == 0)
        #expect(try l.item(key: "b")?.state == .sent, "release only touches rows still sending")
        #expect(try l.item(key: "b")?.attempts == 1)
    }

    // MARK: Suppression list

    @Test func testSuppressionListIsCaseInsensitive() throws {
        let l = try ledger()
        #expect(try l.suppress("Eva.Kovacs@Example.HU", reason: "no such mailbox", now: now))
        #expect(try !l.suppress("eva.kovacs@example.hu", reason: "again", now: now))
        #expect(try l.suppressions().map(\.address) == ["eva.kovacs@example.hu"])
        #expect(try l.suppressed(addresses: ["EVA.KOVACS@example.hu", "other@example.com"]) == ["eva.kovacs@example.hu"])
        #expect(try l.unsuppress("EVA.kovacs@EXAMPLE.hu"))
        #expect(try l.suppressions().isEmpty)
    }

    // MARK: Durability settings

    @Test func testJournalModeIsWALAndSynchronousIsFull() throws {
        let l = try ledger()
        try l.enqueue([item("a")])
        var configuration = GRDB.Configuration()
        configuration.readonly = true
        let other = try DatabaseQueue(path: folder.file("state.db"), configuration: configuration)
        #expect(try other.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }?.lowercased() == "wal")
        // synchronous is per connection: ask the ledger's own. 2 = FULL (3 = EXTRA would do too).
        let synchronous = try l.queue.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(synchronous.map { $0 >= 2 } == true, "synchronous = \(synchronous.map(String.init) ?? "nil")")
        #expect(try l.queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }?.lowercased() == "wal")
        // Reopening keeps both.
        let reopened = try ledger()
        #expect(try reopened.queue.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } == 2)
    }

    // MARK: LedgerTransition

    @Test func testBackoffDoublesFromFiveMinutesToAnHour() {
        let expected: [TimeInterval] = [300, 600, 1200, 2400, 3600, 3600, 3600]
        for (i, seconds) in expected.enumerated() {
            let attempts = i + 1
            #expect(LedgerTransition.backoff(afterAttempt: attempts) == seconds, "attempt \(attempts)")
            let t = LedgerTransition.after(.temporaryFailure("451 later"), attempts: attempts, now: now, deadline: now.addingTimeInterval(86_400))
            #expect(t == .retry(at: now.addingTimeInterval(seconds), error: "451 later"), "attempt \(attempts): \(t)")
        }
    }

    @Test func testRetryAfterIsHonouredWhenLonger() {
        let far = now.addingTimeInterval(86_400)
        #expect(LedgerTransition.after(.temporaryFailure("429", retryAfter: 900), attempts: 1, now: now, deadline: far)
            == .retry(at: now.addingTimeInterval(900), error: "429"))
        #expect(LedgerTransition.after(.temporaryFailure("429", retryAfter: 10), attempts: 1, now: now, deadline: far)
            == .retry(at: now.addingTimeInterval(300), error: "429"))
    }

    @Test func testRetryBeyondTheDeadlineExpires() {
        let t = LedgerTransition.after(.temporaryFailure("451 greylisted"), attempts: 3, now: now, deadline: now.addingTimeInterval(1199))
        guard case .expired(let reason) = t else {
            Issue.record("\(t)")
            return
        }
        #expect(reason.contains("451 greylisted"))
        #expect(reason.contains("max_lateness"))
        #expect(reason.contains("3 attempts"))
        // Exactly at the deadline is still in time.
        #expect(LedgerTransition.after(.temporaryFailure("x"), attempts: 3, now: now, deadline: now.addingTimeInterval(1200))
            == .retry(at: now.addingTimeInterval(1200), error: "x"))
    }

    @Test func testPermanentFailureFailsAndSuccessSends() {
        let deadline = now.addingTimeInterval(60)
        #expect(LedgerTransition.after(.permanentFailure("550 5.1.1 no such user", suppress: true), attempts: 1, now: now, deadline: deadline)
            == .failed("550 5.1.1 no such user"))
        #expect(LedgerTransition.after(.permanentFailure("554 rejected"), attempts: 4, now: now, deadline: now.addingTimeInterval(-1))
            == .failed("554 rejected"))
        #expect(LedgerTransition.after(.sent(reply: "250 ok"), attempts: 2, now: now, deadline: now.addingTimeInterval(-1)) == .sent(reply: "250 ok"))
    }
}
