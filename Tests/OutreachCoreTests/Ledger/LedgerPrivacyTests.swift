import Foundation
import GRDB
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// Erasing personal data from the ledger (`[state] retain`, `forget`), on both backends: what is
/// erased, what stays so nothing is sent twice, and that the SQLite file keeps no byte of it.
@Suite struct LedgerPrivacyTests {
    let folder = TemporaryFolder()
    let now = at("2026-11-23T10:00:00Z")
    /// Long enough ago that `[state] retain`'s default (90 days) has passed.
    let old = at("2026-07-01T10:00:00Z")

    func item(_ key: String, customer: String = "C1", recipient: String = "eva.kovacs@example.hu", name: String = "Kovács Éva",
              body: String = "Kedves Éva, boldog születésnapot!", queuedAt: Date? = nil) -> OutboxItem {
        let queued = queuedAt ?? now
        return OutboxItem(key: key, rule: "birthday", customerID: customer, channel: "email", recipient: recipient, recipientName: name,
                          subject: "Boldog születésnapot, Éva", body: body, locale: "hu",
                          customerJSON: #"{"id":"\#(customer)","name":"\#(name)"}"#, state: .queued,
                          dueAt: queued.addingTimeInterval(-60), deadline: queued.addingTimeInterval(400 * 86_400), queuedAt: queued)
    }

    /// Enqueues `item` at its queued time and, when `transition` is given, claims it and records
    /// the outcome at `at` (which becomes the row's `updated_at`).
    func put(_ l: any Ledger, _ item: OutboxItem, _ transition: LedgerTransition? = nil, at: Date? = nil) throws {
        #expect(try l.enqueue([item], cap: nil, now: item.queuedAt).inserted == 1)
        guard let transition else { return }
        let claimed = try l.claim(now: at ?? item.queuedAt, limit: 100)
        let mine = try #require(claimed.first { $0.key == item.key })
        #expect(try l.record(mine, transition, now: at ?? item.queuedAt))
        try l.release(claimed.filter { $0.key != item.key }, now: at ?? item.queuedAt)
    }

    func expectErased(_ row: OutboxItem?, at time: Date, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let row = try #require(row, sourceLocation: sourceLocation)
        #expect(row.recipient == "" && row.recipientName == nil && row.subject == nil && row.body == "", sourceLocation: sourceLocation)
        #expect(row.customerJSON == "{}" && row.lastError == nil && row.reply == nil, sourceLocation: sourceLocation)
        #expect(row.erasedAt == time, sourceLocation: sourceLocation)
    }

    // MARK: [state] retain

    @Test(arguments: LedgerBackend.allCases)
    func testRetentionErasesOnlyFinishedRowsOlderThanTheCutoff(_ backend: LedgerBackend) throws {
        let l = try backend.place(in: folder).open(.create)
        try put(l, item("sent-old", queuedAt: old), .sent(reply: "250 2.0.0 Ok <eva.kovacs@example.hu>"))
        try put(l, item("failed-old", queuedAt: old), .failed("550 5.1.1 <eva.kovacs@example.hu>: no such user", .noSuchMailbox))
        try put(l, item("expired-old", queuedAt: old), .expired("gave up: 451 <eva.kovacs@example.hu>", .temporary))
        try put(l, item("retry-old", queuedAt: old), .retry(at: old.addingTimeInterval(300), error: "421 busy", .temporary))
        try put(l, item("queued-old", queuedAt: old))
        try put(l, item("sent-new"), .sent(reply: "250 ok"))
        let cutoff = now.addingTimeInterval(-TimeSpan.days(90).timeInterval)

        #expect(try l.eraseFinished(before: cutoff, now: now) == 3)
        for key in ["sent-old", "failed-old", "expired-old"] { try expectErased(try l.item(key: key), at: now) }
        // The key, rule, state, failure class and times stay.
        let failed = try #require(try l.item(key: "failed-old"))
        #expect(failed.state == .failed && failed.failureClass == .noSuchMailbox && failed.rule == "birthday")
        #expect(failed.queuedAt == old && failed.updatedAt == old && failed.attempts == 1)
        // Waiting rows are still to be sent, and new finished ones are within retain.
        for key in ["retry-old", "queued-old", "sent-new"] {
            let row = try #require(try l.item(key: key))
            #expect(row.body == "Kedves Éva, boldog születésnapot!" && row.recipient == "eva.kovacs@example.hu" && row.erasedAt == nil, "\(key)")
        }
        // Nothing is sent twice: the key is taken, and the record still says sent.
        #expect(try l.enqueue([item("sent-old", queuedAt: now)], cap: nil, now: now).inserted == 0)
        #expect(try l.records(keys: ["sent-old"])["sent-old"]?.state == .sent)
        // A second pass finds nothing new, and does not move the erasure time.
        #expect(try l.eraseFinished(before: cutoff, now: now.addingTimeInterval(60)) == 0)
        try expectErased(try l.item(key: "sent-old"), at: now)
    }

    @Test func testRetentionErasesABacklogInChunksAndUsesItsIndex() throws {
        let l = try SQLiteLedger(path: folder.file("state.db"), access: .create)
        let count = LedgerErasure.chunk * 2 + 7
        let items = (0..<count).map { item("k\($0)", customer: "C\($0)", queuedAt: old) }
        #expect(try l.enqueue(items, cap: nil, now: old).inserted == count)
        var claimed = try l.claim(now: old, limit: count)
        while !claimed.isEmpty {
            _ = try l.record(claimed.map { LedgerOutcome($0, .sent(reply: "250 ok")) }, now: old)
            claimed = try l.claim(now: old, limit: count)
        }
        #expect(try l.eraseFinished(before: now, now: now) == count)
        #expect(try l.queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox WHERE erased_at IS NULL") } == 0)
        // The tick's query reads the partial index, never the whole history.
        let plan = try l.queue.read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN \(SQLiteLedger.dueForErasure)",
                             arguments: [now.timeIntervalSince1970]).map { $0["detail"] as String }.joined(separator: "; ")
        }
        #expect(plan.contains("outbox_unerased_finished"), "\(plan)")
    }

    // MARK: forget

    @Test(arguments: LedgerBackend.allCases)
    func testForgetErasesEveryRowOfTheCustomerWithdrawsWaitingOnesAndSuppressesTheirAddresses(_ backend: LedgerBackend) throws {
        let l = try backend.place(in: folder).open(.create)
        try put(l, item("sent", queuedAt: old), .sent(reply: "250 ok"))
        try put(l, item("retry"), .retry(at: now.addingTimeInterval(300), error: "421 busy", .temporary))
        try put(l, item("queued", recipient: "+36 30 123 4567"))
        try put(l, item("other", customer: "C2", recipient: "anna@example.se", name: "Anna"))
        // Already on the list by hand: it moves to its digest too.
        #expect(try l.suppress("Eva.Kovacs@example.hu", reason: "asked by phone", now: old))

        let report = try l.forget(customerID: "C1", addresses: ["eva@home.example", " "], now: now)
        #expect(report.erased == 3)
        #expect(report.withdrawn == 2)
        #expect(report.suppressed == ["+36301234567", "eva.kovacs@example.hu", "eva@home.example"])
        for key in ["sent", "retry", "queued"] { try expectErased(try l.item(key: key), at: now) }
        #expect(try l.item(key: "queued")?.state == .failed)
        #expect(try l.item(key: "retry")?.failureClass == .suppressed)
        #expect(try l.item(key: "sent")?.state == .sent)
        // Nothing of C1 is claimable; C2 is untouched.
        #expect(try l.claim(now: now.addingTimeInterval(3600), limit: 10).map(\.key) == ["other"])
        #expect(try l.item(key: "other")?.recipient == "anna@example.se")

        // The list refuses every address, in any spelling, and holds none of them as text.
        #expect(try l.suppressed(addresses: ["EVA.KOVACS@example.hu", "+36-30-123-4567", "Eva <eva@home.example>", "anna@example.se"])
                == ["eva.kovacs@example.hu", "+36301234567", "eva@home.example"])
        let list = try l.suppressions()
        #expect(list.count == 3)
        #expect(list.allSatisfy { $0.address.hasPrefix("sha256:") && $0.reason == ForgetReport.reason })
        // Adding one again changes nothing; removing one takes its digest off.
        #expect(try !l.suppress("eva@home.example", reason: "again", now: now))
        #expect(try l.unsuppress("+36 30 123 4567"))
        #expect(try l.suppressed(addresses: ["+36301234567"]).isEmpty)

        // Forgetting again finds the rows erased already and keeps their first erasure time.
        let again = try l.forget(customerID: "C1", addresses: [], now: now.addingTimeInterval(60))
        #expect(again.erased == 3 && again.withdrawn == 0 && again.suppressed.isEmpty)
        try expectErased(try l.item(key: "sent"), at: now)
    }

    @Test func testForgetLeavesNoByteOfTheCustomerInTheLedgerFile() throws {
        let path = folder.file("state.db")
        let l = try SQLiteLedger(path: path, access: .create)
        let name = "Zsófia Különleges-Névvel"
        let address = "zsofia.kulonleges@example.hu"
        // A body beyond one page, so the row has overflow pages too.
        let body = String(repeating: "Kedves \(name), köszönjük a vásárlást! ", count: 200)
        for n in 0..<5 {
            try put(l, item("k\(n)", customer: "C9", recipient: address, name: name, body: body, queuedAt: old.addingTimeInterval(Double(n))),
                    n < 3 ? .sent(reply: "250 2.0.0 Ok: queued for <\(address)>") : nil, at: old.addingTimeInterval(Double(n)))
        }
        for n in 0..<50 { try put(l, item("o\(n)", customer: "D\(n)", recipient: "c\(n)@example.com", name: "Other \(n)")) }
        // Debian's SQLite has it on by default; the ledger asks for it wherever it runs.
        #expect(try l.queue.read { db in try Int.fetchOne(db, sql: "PRAGMA secure_delete") } == 1)
        let needles = [name, address, "Zsófia", "kulonleges"].map { Data($0.utf8) }
        func files() -> [String: Data] {
            var found: [String: Data] = [:]
            for suffix in ["", "-wal", "-journal"] { found[path + suffix] = FileManager.default.contents(atPath: path + suffix) }
            return found
        }
        // Before: the file (or its log) holds them, so the check below can fail.
        #expect(files().values.contains { data in needles.contains { data.range(of: $0) != nil } })

        let report = try l.forget(customerID: "C9", addresses: [address], now: now)
        #expect(report == ForgetReport(erased: 5, withdrawn: 2, suppressed: [address]))
        for (file, data) in files() {
            for needle in needles { #expect(data.range(of: needle) == nil, "\(file) still holds \(String(decoding: needle, as: UTF8.self))") }
        }
        #expect(try l.suppressed(addresses: [address]) == [address])
        #expect(try l.item(key: "o7")?.recipientName == "Other 7")
    }
}
