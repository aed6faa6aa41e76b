import Foundation
import OutreachTestSupport
import GRDB
import Testing
@testable import OutreachCore

/// The ledger's states and transitions, each on both backends (a SQLite file, a PostgreSQL
/// database of its own), and each backend's durability settings.
@Suite struct LedgerOutboxTests {
    let folder = TemporaryFolder()
    let now = at("2026-11-23T10:00:00Z")

    func ledger() throws -> SQLiteLedger { try SQLiteLedger(path: folder.file("state.db"), access: .create) }

    /// Inserts `items` with no cap; how many were new.
    @discardableResult
    func enqueue(_ l: any Ledger, _ items: [OutboxItem]) throws -> Int { try l.enqueue(items, cap: nil, now: now).inserted }

    /// Records `transition` for the row of `key` through the claim that holds it now.
    @discardableResult
    func record(_ l: any Ledger, _ key: String, _ transition: LedgerTransition, now: Date) throws -> Bool {
        try l.record(try #require(try l.item(key: key)), transition, now: now)
    }

    func item(_ key: String, due: Date? = nil, deadline: Date? = nil, body: String = "Hello", recipient: String = "eva@example.hu",
              state: LedgerState = .queued) -> OutboxItem {
        OutboxItem(key: key, rule: "birthday", customerID: "C1", channel: "email", recipient: recipient, recipientName: "Kovács Éva",
                   subject: "Boldog születésnapot", body: body, locale: "hu", customerJSON: "{}", state: state,
                   dueAt: due ?? now.addingTimeInterval(-3600), deadline: deadline ?? now.addingTimeInterval(86_400), queuedAt: now)
    }

    // MARK: enqueue

    @Test(arguments: LedgerBackend.allCases)
    func testEnqueueIsIdempotentPerKey(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        #expect(try enqueue(l, [item("a")]) == 1)
        #expect(try enqueue(l, [item("a", body: "edited")]) == 0)
        #expect(try enqueue(l, [item("a"), item("b")]) == 1)
        #expect(try enqueue(l, []) == 0)
        // The first version stays: a key is inserted once, ever.
        #expect(try l.item(key: "a")?.body == "Hello")
        #expect(try l.pendingCount() == 2)

        // Even after it was sent, the key cannot come back.
        let claimed = try l.claim(now: now, limit: 10)
        for c in claimed { try l.record(c, .sent(reply: "250 ok"), now: now) }
        #expect(try enqueue(l, [item("a"), item("b")]) == 0)
        #expect(try l.item(key: "a")?.state == .sent)
        #expect(try l.pendingCount() == 0)
    }

    @Test(arguments: LedgerBackend.allCases)
    func testEnqueuedRowsAreDurableAndVisibleToAnotherConnection(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        try enqueue(l, [item("a"), item("b")])
        // A ledger opened anew (another process, or the next start) sees them committed.
        let other = try place.open(.read)
        #expect(try other.pendingCount() == 2)
        let item = try #require(try other.item(key: "a"))
        #expect(item.recipientName == "Kovács Éva")
        #expect(item.subject == "Boldog születésnapot")
        #expect(item.queuedAt == now)
        #expect(item.state == .queued)
    }

    // MARK: claim

    @Test(arguments: LedgerBackend.allCases)
    func testClaimMovesQueuedToSendingAndCountsTheAttempt(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        try enqueue(l, [item("late", due: now.addingTimeInterval(-60)), item("early", due: now.addingTimeInterval(-7200)), item("mid", due: now.addingTimeInterval(-600))])
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
        // All three are under way: none is waiting any more.
        #expect(try l.pendingCount() == 0)
        #expect(try l.counts().map(\.count).reduce(0, +) == 3)
    }

    @Test(arguments: LedgerBackend.allCases)
    func testRetryRowsAreClaimedOnlyWhenDue(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        try enqueue(l, [item("a")])
        let claimed = try #require(try l.claim(now: now, limit: 1).first)
        let next = now.addingTimeInterval(300)
        try l.record(claimed, .retry(at: next, error: "451 4.7.1 try later", .temporary), now: now)
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

    @Test(arguments: LedgerBackend.allCases)
    func testAClaimTakesQueuedRowsAndDueRetriesTogetherOldestDueFirst(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        // Two rows waiting to retry: one due again at `later`, the other only a minute after it.
        try enqueue(l, [item("retry-due", due: now.addingTimeInterval(-5000)), item("retry-later", due: now.addingTimeInterval(-9000))])
        let later = now.addingTimeInterval(600)
        for c in try l.claim(now: now, limit: 10) {
            try l.record(c, .retry(at: c.key == "retry-due" ? later : later.addingTimeInterval(60), error: "451 try later", .temporary), now: now)
        }
        // Queued rows before and after the due retry, two of them due at the same time (then by key).
        try enqueue(l, [item("q-b", due: now.addingTimeInterval(-3000)), item("q-a", due: now.addingTimeInterval(-3000)),
                        item("q-old", due: now.addingTimeInterval(-7000)), item("q-new", due: now.addingTimeInterval(-60))])
        let first = try l.claim(now: later, limit: 3)
        #expect(first.map(\.key) == ["q-old", "retry-due", "q-a"])
        #expect(first.map(\.attempts) == [1, 2, 1])
        #expect(first.allSatisfy { $0.state == .sending && $0.claim != nil })
        let rest = try l.claim(now: later, limit: 10)
        #expect(rest.map(\.key) == ["q-b", "q-new"], "the retry not due yet stays, though it is the oldest")
        #expect(try l.item(key: "retry-later")?.state == .retry)
        #expect(try l.claim(now: later.addingTimeInterval(60), limit: 10).map(\.key) == ["retry-later"])
    }

    // MARK: record

    @Test(arguments: LedgerBackend.allCases)
    func testRecordTransitions(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        try enqueue(l, [item("sent"), item("failed"), item("expired"), item("retry")])
        _ = try l.claim(now: now, limit: 10)
        let later = now.addingTimeInterval(5)
        try record(l, "sent", .sent(reply: "250 2.0.0 Ok: queued as 1"), now: later)
        try record(l, "failed", .failed("550 5.1.1 no such user", .noSuchMailbox), now: later)
        try record(l, "expired", .expired("gave up", nil), now: later)
        try record(l, "retry", .retry(at: later.addingTimeInterval(300), error: "451 later", .temporary), now: later)

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
        try record(l, "retry", .sent(reply: "250 ok"), now: later.addingTimeInterval(301))
        let retried = try #require(try l.item(key: "retry"))
        #expect(retried.state == .sent)
        #expect(retried.nextAttemptAt == nil)
        #expect(retried.attempts == 2)
        let counts = try l.counts().filter { $0.rule == "birthday" }
        #expect(Dictionary(uniqueKeysWithValues: counts.map { ($0.state, $0.count) }) == [.sent: 2, .failed: 1, .expired: 1])
    }

    // MARK: expireOverdue, recoverInterrupted, release

    @Test(arguments: LedgerBackend.allCases)
    func testExpireOverdueExpiresOnlyWaitingRowsPastTheirDeadline(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        let deadline = now.addingTimeInterval(-1)
        try enqueue(l, [item("queued-late", deadline: deadline), item("queued-ok", deadline: now.addingTimeInterval(3600)),
                       item("retry-late", deadline: deadline), item("sending-late", deadline: deadline), item("sent-late", deadline: deadline),
                       item("queued-at-deadline", deadline: now)])
        _ = try l.claim(now: now.addingTimeInterval(-7200), limit: 10)  // all sending
        try record(l, "retry-late", .retry(at: now.addingTimeInterval(600), error: "451 greylisted", .temporary), now: now)
        try record(l, "sent-late", .sent(reply: "250"), now: now)
        try l.release(try ["queued-late", "queued-ok", "queued-at-deadline"].map { try #require(try l.item(key: $0)) }, now: now)

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
        try enqueue(l, [item("a"), item("b"), item("c")])
        let claimed = try l.claim(now: now, limit: 2)
        try l.record(claimed[1], .sent(reply: "250"), now: now)

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

    @Test(arguments: LedgerBackend.allCases)
    func testReleasePutsUnstartedRowsBackWithoutCountingAnAttempt(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        try enqueue(l, [item("a"), item("b")])
        let claimed = try l.claim(now: now, limit: 10)
        try record(l, "b", .sent(reply: "250"), now: now)
        try l.release(claimed, now: now)
        #expect(try l.item(key: "a")?.state == .queued)
        #expect(try l.item(key: "a")?.attempts == 0)
        #expect(try l.item(key: "b")?.state == .sent, "release only touches rows still sending")
        #expect(try l.item(key: "b")?.attempts == 1)
    }

    // MARK: Transitions guard themselves

    @Test(arguments: LedgerBackend.allCases)
    func testALateOutcomeFromALostClaimChangesNothing(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        try enqueue(l, [item("a")])
        let first = try #require(try l.claim(now: now, limit: 1).first)
        // The row is taken back (SQLite: a crash recovery; PostgreSQL: its lease runs out) and claimed again.
        try l.recoverInterrupted(now: now)
        let second = try #require(try l.claim(now: now.addingTimeInterval(61), limit: 1).first)
        #expect(first.claim != second.claim)
        // The first claim's outcome arrives late: refused, nothing changes.
        #expect(try !l.record(first, .failed("554 from the old attempt", .permanent), now: now))
        #expect(try l.item(key: "a")?.state == .sending)
        #expect(try l.item(key: "a")?.lastError == nil)
        // The live claim records.
        #expect(try l.record(second, .sent(reply: "250 ok"), now: now))
        #expect(try l.item(key: "a")?.state == .sent)
        // And nothing records twice: the row has left `sending`.
        #expect(try !l.record(second, .failed("late", .permanent), now: now))
        #expect(try l.item(key: "a")?.state == .sent)
    }

    @Test(arguments: LedgerBackend.allCases)
    func testAGroupOfOutcomesIsRecordedTogetherEachThroughItsOwnClaim(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        try enqueue(l, [item("lost")])
        let lost = try #require(try l.claim(now: now, limit: 1).first)
        // The row is taken back (SQLite: a crash recovery; PostgreSQL: its lease runs out) and claimed
        // again: the first claim no longer holds it.
        try l.recoverInterrupted(now: now)
        #expect(try l.claim(now: now.addingTimeInterval(61), limit: 1).first?.key == "lost")
        let later = now.addingTimeInterval(65)
        try enqueue(l, [item("g1"), item("g2"), item("g3")])
        let group = try l.claim(now: later, limit: 10)
        #expect(Set(group.map(\.key)) == ["g1", "g2", "g3"])
        try enqueue(l, [item("queued")])
        func g(_ key: String) throws -> OutboxItem { try #require(group.first { $0.key == key }) }
        let recorded = try l.record([
            LedgerOutcome(try g("g1"), .sent(reply: "250 2.0.0 Ok")),
            LedgerOutcome(lost, .failed("554 from the lost claim", .permanent)),
            LedgerOutcome(try g("g2"), .retry(at: later.addingTimeInterval(300), error: "451 later", .temporary)),
            LedgerOutcome(try g("g3"), .failed("550 5.1.1 no such user", .noSuchMailbox)),
            // The same row twice in one group: the first outcome moves it out of `sending`, so the second is refused.
            LedgerOutcome(try g("g1"), .failed("late duplicate", .permanent)),
        ], now: later)
        #expect(recorded == [true, false, true, true, false])
        #expect(try l.item(key: "g1")?.state == .sent)
        #expect(try l.item(key: "g1")?.reply == "250 2.0.0 Ok")
        #expect(try l.item(key: "g1")?.lastError == nil)
        #expect(try l.item(key: "g2")?.state == .retry)
        #expect(try l.item(key: "g2")?.nextAttemptAt == later.addingTimeInterval(300))
        #expect(try l.item(key: "g3")?.state == .failed)
        #expect(try l.item(key: "g3")?.failureClass == .noSuchMailbox)
        #expect(try l.item(key: "lost")?.state == .sending, "a late write from a lost claim changes nothing")
        #expect(try l.item(key: "lost")?.lastError == nil)
        #expect(try l.item(key: "queued")?.state == .queued)
        #expect(try l.record([], now: later) == [])
    }

    @Test(arguments: LedgerBackend.allCases)
    func testAnOutcomeIsRecordedOnlyFromSending(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        try enqueue(l, [item("queued"), item("done")])
        let claimed = try l.claim(now: now, limit: 10)
        let done = try #require(claimed.first { $0.key == "done" })
        try l.record(done, .sent(reply: "250"), now: now)
        try l.release(claimed.filter { $0.key == "queued" }, now: now)
        for transition: LedgerTransition in [.sent(reply: "250"), .failed("x", .permanent), .retry(at: now, error: "x", .temporary), .expired("x", nil)] {
            #expect(try !l.record(try #require(try l.item(key: "queued")), transition, now: now), "\(transition) from queued")
            #expect(try !l.record(done, transition, now: now), "\(transition) from sent")
        }
        #expect(try l.item(key: "queued")?.state == .queued)
        #expect(try l.item(key: "done")?.state == .sent)
        // release with a claim that does not hold the row changes nothing either.
        let fresh = try #require(try l.claim(now: now, limit: 1).first)
        var stale = fresh
        stale.claim = "someone-else"
        try l.release([stale], now: now)
        #expect(try l.item(key: "queued")?.state == .sending)
    }

    @Test(arguments: LedgerBackend.allCases)
    func testFailureClassesAreRecordedAndCountedFromTheColumn(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        try enqueue(l, [item("a"), item("b"), item("c"), item("d", deadline: now.addingTimeInterval(-1))])
        let claimed = Dictionary(uniqueKeysWithValues: try l.claim(now: now.addingTimeInterval(-7200), limit: 10).map { ($0.key, $0) })
        // The error texts say the opposite of their classes: only the column counts.
        try l.record(try #require(claimed["a"]), .failed("user unknown (this is not a timeout)", .noSuchMailbox), now: now)
        try l.record(try #require(claimed["b"]), .retry(at: now.addingTimeInterval(300), error: "550 5.1.1 look-alike", .timeout), now: now)
        try l.record(try #require(claimed["c"]), .failed("certificate, tls, login", .permanent), now: now)
        try l.release([try #require(claimed["d"])], now: now)
        try l.expireOverdue(now: now)
        #expect(try l.item(key: "a")?.failureClass == .noSuchMailbox)
        #expect(try l.item(key: "b")?.failureClass == .timeout)
        let metrics = try l.metrics(now: now)
        #expect(metrics.problemsByClass == ["no_such_mailbox": 1, "timeout": 1, "permanent": 1, "expired": 1], "\(metrics.problemsByClass)")
        #expect(metrics.prometheusText.contains("outreachd_problems{reason_class=\"no_such_mailbox\"} 1"))
    }

    @Test(arguments: LedgerBackend.allCases)
    func testEnqueueHoldsTheCapUnderItsOwnTransaction(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
        let cap = try #require(FrequencyCap(count: 1, period: .hours(24)))
        var second = item("b")
        second.customerID = "C1"
        var failed = item("c", state: .failed)
        failed.lastError = "cannot render"
        // What another instance queued a moment ago for the same customer holds the cap.
        #expect(try l.enqueue([item("a")], cap: cap, now: now) == EnqueueReport(inserted: 1, queued: 1, heldByCap: 0))
        #expect(try l.enqueue([second, failed], cap: cap, now: now) == EnqueueReport(inserted: 1, queued: 0, heldByCap: 1))
        #expect(try l.item(key: "b") == nil, "held, to be planned again at the next tick")
        #expect(try l.item(key: "c")?.state == .failed, "a failure is recorded whatever the cap")
        // A day later the cap has room again.
        #expect(try l.enqueue([second], cap: cap, now: now.addingTimeInterval(86_401)).queued == 1)
    }

    // MARK: Suppression list

    @Test(arguments: LedgerBackend.allCases)
    func testSuppressionListIsCaseInsensitive(_ backend: LedgerBackend) throws {
        let place = try backend.place(in: folder)
        let l = try place.open()
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
        try enqueue(l, [item("a")])
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
            let t = LedgerTransition.after(.temporaryFailure("451 later", .temporary), attempts: attempts, now: now, deadline: now.addingTimeInterval(86_400))
            #expect(t == .retry(at: now.addingTimeInterval(seconds), error: "451 later", .temporary), "attempt \(attempts): \(t)")
        }
    }

    @Test func testRetryAfterIsHonouredWhenLonger() {
        let far = now.addingTimeInterval(86_400)
        #expect(LedgerTransition.after(.temporaryFailure("429", .temporary, retryAfter: 900), attempts: 1, now: now, deadline: far)
            == .retry(at: now.addingTimeInterval(900), error: "429", .temporary))
        #expect(LedgerTransition.after(.temporaryFailure("429", .temporary, retryAfter: 10), attempts: 1, now: now, deadline: far)
            == .retry(at: now.addingTimeInterval(300), error: "429", .temporary))
    }

    @Test func testRetryBeyondTheDeadlineExpires() {
        let t = LedgerTransition.after(.temporaryFailure("451 greylisted", .temporary), attempts: 3, now: now, deadline: now.addingTimeInterval(1199))
        guard case .expired(let reason, .temporary?) = t else {
            Issue.record("\(t)")
            return
        }
        #expect(reason.contains("451 greylisted"))
        #expect(reason.contains("max_lateness"))
        #expect(reason.contains("3 attempts"))
        // Exactly at the deadline is still in time.
        #expect(LedgerTransition.after(.temporaryFailure("x", .temporary), attempts: 3, now: now, deadline: now.addingTimeInterval(1200))
            == .retry(at: now.addingTimeInterval(1200), error: "x", .temporary))
    }

    @Test func testPermanentFailureFailsAndSuccessSends() {
        let deadline = now.addingTimeInterval(60)
        #expect(LedgerTransition.after(.permanentFailure("550 5.1.1 no such user", .noSuchMailbox), attempts: 1, now: now, deadline: deadline)
            == .failed("550 5.1.1 no such user", .noSuchMailbox))
        #expect(LedgerTransition.after(.permanentFailure("554 rejected", .permanent), attempts: 4, now: now, deadline: now.addingTimeInterval(-1))
            == .failed("554 rejected", .permanent))
        #expect(LedgerTransition.after(.sent(reply: "250 ok"), attempts: 2, now: now, deadline: now.addingTimeInterval(-1)) == .sent(reply: "250 ok"))
    }
}
