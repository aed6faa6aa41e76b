import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// What only a shared PostgreSQL ledger does: several instances on one database, leases, takeover,
/// the cap held across instances, versioned migrations, durable commits.
@Suite struct PostgresLedgerTests {
    let folder = TemporaryFolder()
    let now = at("2026-11-23T10:00:00Z")

    func item(_ key: String, customer: String = "C1", due: Date? = nil) -> OutboxItem {
        OutboxItem(key: key, rule: "birthday", customerID: customer, channel: "email", recipient: "\(customer.lowercased())@example.com",
                   recipientName: nil, subject: "Hi", body: "Hello", locale: "en", customerJSON: "{}", state: .queued,
                   dueAt: due ?? now.addingTimeInterval(-3600), deadline: now.addingTimeInterval(86_400), queuedAt: now)
    }

    /// Runs `body(i)` on `count` threads at once and waits for all.
    func concurrently(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) throws {
        let errors = Locked<[String]>([])
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            Thread {
                defer { group.leave() }
                start.wait()
                do { try body(i) } catch { errors.withLock { $0.append("\(error)") } }
            }.start()
        }
        for _ in 0..<count { start.signal() }
        group.wait()
        let failures = errors.withLock { $0 }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func testAClaimIsTakenOverOnlyAfterItsLeaseRanOutWithTheSameKey() throws {
        let place = try LedgerBackend.postgres.place(in: folder)
        let a = try place.open(.create), b = try place.open(.deliver)
        _ = try a.enqueue([item("k1")], cap: nil, now: now)
        let claimedByA = try #require(try a.claim(now: now, limit: 10).first)
        #expect(try b.claim(now: now.addingTimeInterval(30), limit: 10).isEmpty, "a live claim was taken")
        // A renews while its attempt runs: still not B's at the first lease's end.
        try a.renew([claimedByA], now: now.addingTimeInterval(50))
        #expect(try b.claim(now: now.addingTimeInterval(61), limit: 10).isEmpty, "a renewed claim was taken")
        // A dies; its renewed lease runs out at +110.
        let takenOver = try #require(try b.claim(now: now.addingTimeInterval(111), limit: 10).first)
        #expect(takenOver.key == "k1")
        #expect(takenOver.attempts == 2)
        #expect(takenOver.claim != claimedByA.claim)
        #expect(EmailMessage.messageID(key: takenOver.key, domain: "example.com") == EmailMessage.messageID(key: claimedByA.key, domain: "example.com"))
        // A's outcome, arriving after the takeover, changes nothing; B's records.
        #expect(try !a.record(claimedByA, .sent(reply: "250 late"), now: now.addingTimeInterval(112)))
        #expect(try b.record(takenOver, .sent(reply: "250 ok"), now: now.addingTimeInterval(112)))
        #expect(try a.item(key: "k1")?.reply == "250 ok")
        // Recovery never touches a live claim: it only counts those that ran out.
        _ = try a.enqueue([item("k2")], cap: nil, now: now)
        _ = try a.claim(now: now, limit: 10)
        #expect(try b.recoverInterrupted(now: now.addingTimeInterval(30)) == 0)
        #expect(try b.recoverInterrupted(now: now.addingTimeInterval(61)) == 1)
        #expect(try b.item(key: "k2")?.state == .sending)
    }

    @Test func testInstancesClaimingAtOnceNeverShareARow() throws {
        let place = try LedgerBackend.postgres.place(in: folder)
        let setup = try place.open(.create)
        let keys = (0..<300).map { "k\($0)" }
        _ = try setup.enqueue(keys.map { item($0, customer: "C\($0)") }, cap: nil, now: now)
        let instances = try (0..<3).map { _ in try place.open(.deliver) }
        let claimed = Locked<[[String]]>([[], [], []])
        let now = now
        try concurrently(3) { i in
            while case let batch = try instances[i].claim(now: now, limit: 7), !batch.isEmpty {
                claimed.withLock { $0[i] += batch.map(\.key) }
            }
        }
        let all = claimed.withLock { $0 }
        #expect(all.flatMap { $0 }.count == keys.count, "each row claimed exactly once: \(all.map(\.count))")
        #expect(Set(all.flatMap { $0 }) == Set(keys))
        #expect(all.allSatisfy { !$0.isEmpty }, "the work was spread: \(all.map(\.count))")
    }

    @Test func testTheCapHoldsAcrossInstancesEvaluatingAtTheSameMoment() throws {
        let place = try LedgerBackend.postgres.place(in: folder)
        _ = try place.open(.create)
        let instances = try (0..<3).map { _ in try place.open(.deliver) }
        let cap = try #require(FrequencyCap(count: 1, period: .hours(24)))
        let customers = (0..<40).map { "C\($0)" }
        let now = now
        let reports = Locked<[EnqueueReport]>([])
        // Each instance planned a different rule's message for every customer (different keys).
        try concurrently(3) { i in
            let items = customers.map { item("rule\(i):\($0)", customer: $0) }
            let report = try instances[i].enqueue(items, cap: cap, now: now)
            reports.withLock { $0.append(report) }
        }
        let events = try instances[0].capEvents(customerIDs: customers, since: now.addingTimeInterval(-86_400))
        #expect(customers.allSatisfy { events[$0]?.count == 1 }, "a customer got more than one: \(events.filter { $0.value.count != 1 })")
        let total = reports.withLock { $0 }
        #expect(total.map(\.queued).reduce(0, +) == customers.count)
        #expect(total.map(\.heldByCap).reduce(0, +) == 2 * customers.count)
    }

    @Test func testTheSameKeyFromSeveralInstancesIsQueuedOnce() throws {
        let place = try LedgerBackend.postgres.place(in: folder)
        _ = try place.open(.create)
        let instances = try (0..<3).map { _ in try place.open(.deliver) }
        let items = (0..<200).map { item("birthday:C\($0):2026", customer: "C\($0)") }
        let inserted = Locked(0)
        let now = now
        try concurrently(3) { i in
            let report = try instances[i].enqueue(items, cap: nil, now: now)
            inserted.withLock { $0 += report.inserted }
        }
        #expect(inserted.withLock { $0 } == items.count)
        #expect(try instances[0].pendingCount() == items.count)
    }

    @Test func testCommitsAreSynchronousWhateverTheServerDefault() throws {
        // The test server runs with synchronous_commit = off; the ledger's connections turn it on.
        let place = try LedgerBackend.postgres.place(in: folder)
        let ledger = try #require(try place.open(.create) as? PostgresLedger)
        #expect(try ledger.pool.rows("SHOW synchronous_commit").first?.decode(String.self) == "on")
        let server = try PostgresServer.shared.get()
        #expect(try server.psql("SHOW synchronous_commit").trimmingCharacters(in: .whitespacesAndNewlines) == "off")
    }

    @Test func testOnlyInitCreatesTheLedgerAndMigrationsAreVersioned() throws {
        let place = try LedgerBackend.postgres.place(in: folder)
        for access: LedgerAccess in [.read, .write, .deliver] {
            #expect { try place.open(access) } throws: { error in
                let text = "\(error)"
                return (error as? LedgerError)?.isLost == true && text.contains("outreachd init") && text.contains("127.0.0.1")
            }
        }
        // Two inits at once: one creates, the other finds it done.
        try concurrently(2) { _ in _ = try place.open(.create) }
        let ledger = try #require(try place.open(.read) as? PostgresLedger)
        let versions = try ledger.pool.rows("SELECT version FROM outreachd.migrations ORDER BY version").map { try $0.decode(Int.self) }
        #expect(versions == PostgresLedgerSchema.migrations.map(\.version))
    }
}
