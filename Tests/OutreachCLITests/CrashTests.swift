import Foundation
import OutreachCore
import OutreachTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` at many random moments (start-up, evaluation, queueing, delivery), each time restarted,
/// against a slow receiver that records everything: every due message arrives, and the only
/// repeats are attempts that were under way at a kill, carrying the same Message-ID or
/// Idempotency-Key. For the SMTP and HTTP channels on a SQLite ledger, and two instances sharing a
/// PostgreSQL ledger.
///
/// 20 kills per test in `make test`; `OUTREACHD_CRASH_KILLS` sets another count (`make soak`: 200).
/// The seed is printed, and `OUTREACHD_CRASH_SEED` replays a run's moments.
@Suite(.serialized) struct CrashTests {
    static let kills = Int(ProcessInfo.processInfo.environment["OUTREACHD_CRASH_KILLS"] ?? "") ?? 20
    /// Enough due messages that every kill lands while work remains: 2,000 for 20 kills, 100 per kill beyond.
    static let customers = max(2_000, kills * 100)
    /// The channel's connections: at most this many attempts are under way per instance at a kill.
    static let concurrency = 4

    /// The kill moments, from a seed so a failing run can be replayed.
    struct Moments {
        var random: SeededRandom

        /// How long after the last (re)start the next kill comes: a third of them within the first
        /// 0.2 s (start-up, recovery, evaluating and queueing the first tick), the rest during delivery,
        /// which starts later the more customers the first tick evaluates (1 s per 10,000 on top).
        /// Up to 1.2 s for 2,000 customers; 3 s for 20,000, whose start-up alone took most of a
        /// second: with 1 s, the 200-kill runs killed SMTP and HTTP daemons before any attempt.
        mutating func nextDelay() -> TimeInterval {
            let latest = 1 + Double(CrashTests.customers) / 10_000
            return random.chance(1.0 / 3) ? 0.01 + 0.19 * random.unit() : 0.2 + (latest - 0.2) * random.unit()
        }
    }

    static func moments() -> Moments {
        let seed = UInt64(ProcessInfo.processInfo.environment["OUTREACHD_CRASH_SEED"] ?? "") ?? UInt64.random(in: 1...UInt64.max)
        print("crash test seed: OUTREACHD_CRASH_SEED=\(seed)")
        return Moments(random: SeededRandom(seed: seed))
    }

    /// Runs `instances` daemons, kills one of them (chosen at random) `kills` times at random moments
    /// and restarts it each time, then lets them finish. Returns when each kill happened.
    func killRepeatedly(_ d: SinkDeployment, instances: Int) throws -> [Date] {
        var moments = Self.moments()
        var daemons = try (0..<instances).map { _ in try d.startDaemon() }
        defer { daemons.forEach { $0.stop() } }
        var kills: [Date] = []
        var startedAt = Array(repeating: Date(), count: instances)
        for _ in 0..<Self.kills {
            let victim = moments.random.below(instances)
            let at = startedAt[victim].addingTimeInterval(moments.nextDelay())
            Thread.sleep(forTimeInterval: max(0, at.timeIntervalSinceNow))
            guard daemons[victim].isRunning else {
                Issue.record("a daemon exited by itself before a kill:\n\(daemons[victim].stderr.suffix(3000))")
                return kills
            }
            #expect(daemons[victim].signal(SIGKILL))
            #expect(daemons[victim].waitForExit(timeout: 10) != nil, "SIGKILL did not end the daemon")
            kills.append(Date())
            daemons[victim] = try d.startDaemon()
            startedAt[victim] = Date()
        }
        // The fixtures take about 100 messages a second (HTTP) at the end: 20,000 need minutes.
        let states = try d.waitUntilAllSent(d.customers, timeout: 120 + Double(d.customers) / 40)
        if states != ["sent": d.customers] {
            let status = try outreachd(["status", "--config", d.folder.file("outreachd.toml")], in: d.folder.path)
            Issue.record("after \(kills.count) kills: \(states)\n\(status.stdout)\n\(daemons.map { $0.stderr.suffix(2000) })")
        }
        for daemon in daemons {
            #expect(daemon.signal(SIGTERM))
            #expect(daemon.waitForExit(timeout: 20) == 0, "\(daemon.stderr.suffix(2000))")
        }
        return kills
    }

    /// Nothing lost; every repeat carries its first copy's ID and came from an attempt under way at
    /// a kill: the first copy arrived shortly before a kill (or as it happened), and there are no
    /// more repeats than attempts that can be under way at the kills.
    func expectNothingLostAndOnlyInFlightRepeats(_ d: SinkDeployment, kills: [Date]) {
        let received = d.received()
        let byKey = Dictionary(grouping: received, by: \.key)
        let expected = Set((0..<d.customers).map { String(format: "birthday:C%05d:", $0) })
        let prefixes = Set(byKey.keys.map { String($0.prefix(16)) })
        #expect(byKey.count == d.customers && prefixes == expected,
                "lost: \(expected.subtracting(prefixes).sorted().prefix(10)); received \(byKey.count) keys of \(d.customers)")
        let repeats = byKey.filter { $0.value.count > 1 }
        let extra = repeats.values.reduce(0) { $0 + $1.count - 1 }
        #expect(extra <= kills.count * Self.concurrency, "\(extra) repeats for \(kills.count) kills")
        let killTimes = kills.map(\.timeIntervalSince1970)
        for (key, copies) in repeats {
            #expect(Set(copies.map(\.messageID)).count == 1, "\(key) was sent again under another ID: \(copies.map(\.messageID))")
            let first = copies.map(\.at).min() ?? 0
            // Under way at a kill: had by the receiver at most 2 s before it (an attempt and its group
            // commit take milliseconds), or finished receiving just after it (the sink was still answering).
            #expect(killTimes.contains { first >= $0 - 2 && first <= $0 + 0.5 }, "\(key) was repeated but its first copy (at \(first)) was not under way at any kill")
        }
        print("crash test (\(d.sink), \(d.ledgerURL.prefix(8))): \(kills.count) kills, \(received.count) received, \(byKey.count) keys, \(extra) repeats (each under way at a kill, same ID)")
    }

    /// One crash run: the deployment, the kills, the checks.
    func crashRun(ledger: SinkDeployment.LedgerPlace, sink: SinkDeployment.Sink, instances: Int) throws {
        let d = try SinkDeployment(customers: Self.customers, ledger: ledger, sink: sink, slow: 0.01)
        defer { d.server.stop() }
        let kills = try killRepeatedly(d, instances: instances)
        #expect(kills.count == Self.kills)
        expectNothingLostAndOnlyInFlightRepeats(d, kills: kills)
    }

    @Test func testKillsDuringSMTPDeliveryLoseNothingAndRepeatOnlyInFlightMessages() throws {
        try crashRun(ledger: .sqlite, sink: .smtp, instances: 1)
    }

    @Test func testKillsDuringHTTPDeliveryLoseNothingAndRepeatOnlyInFlightRequests() throws {
        try crashRun(ledger: .sqlite, sink: .http, instances: 1)
    }

    @Test func testKillsOfTwoInstancesOnAPostgreSQLLedgerLoseNothingAndRepeatOnlyInFlightMessages() throws {
        try crashRun(ledger: .postgres(try PostgresServer.shared.get()), sink: .smtp, instances: 2)
    }
}
