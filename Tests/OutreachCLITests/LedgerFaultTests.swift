import Foundation
import GRDB
import OutreachTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A state database that cannot take a write — held locked by another process, or on a disk that
/// is full — while messages are due: nothing goes out that could not first be recorded as queued,
/// the daemon says why and keeps running, and once the ledger can be written again every message
/// goes out once.
@Suite(.serialized) struct LedgerFaultTests {
    /// Every received key is a `sent` row of the ledger, and no key came twice.
    func expectEverythingReceivedIsRecorded(_ d: SinkDeployment, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let ledger = try DatabaseQueue(path: d.folder.file("state.db"))
        defer { try? ledger.close() }
        let sent = Set(try ledger.read { db in try String.fetchAll(db, sql: "SELECT key FROM outbox WHERE state = 'sent'") })
        let received = d.received().map(\.key)
        #expect(Set(received).isSubset(of: sent), "sent without a record: \(Set(received).subtracting(sent).sorted().prefix(5))", sourceLocation: sourceLocation)
        #expect(Set(received).count == received.count, "a message went out twice", sourceLocation: sourceLocation)
    }

    @Test func testALedgerLockedByAnotherProcessFailsTheTickSendsNothingAndTheNextTickCatchesUp() throws {
        let d = try SinkDeployment(customers: 20, ledger: .sqlite, sink: .smtp, slow: 0)
        defer { d.server.stop() }
        let daemon = try d.startDaemon()
        defer { daemon.stop() }
        #expect(try d.waitUntilAllSent(20, timeout: 30) == ["sent": 20])

        // Another process takes the ledger's write lock and holds it past the 5 s busy timeout,
        // while 30 more customers become due.
        let locker = try DatabaseQueue(path: d.folder.file("state.db"))
        let locked = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        Thread {
            try? locker.inTransaction(.exclusive) { _ in
                locked.signal()
                Thread.sleep(forTimeInterval: 8)
                return .commit
            }
            done.signal()
        }.start()
        locked.wait()
        let offset = daemon.stderrLength
        try d.addCustomers(from: 20, count: 30)
        #expect(daemon.waitForStderr(containing: "tick failed", after: offset, timeout: 10), "\(daemon.stderr(from: offset))")
        #expect(daemon.stderr(from: offset).contains("stayed locked by another process"), "says why: \(daemon.stderr(from: offset))")
        #expect(d.received().count == 20, "nothing went out while the ledger could not record it")
        #expect(daemon.isRunning)
        done.wait()
        try locker.close()

        #expect(try d.waitUntilAllSent(50, timeout: 30) == ["sent": 50], "\(daemon.stderr(from: offset))")
        #expect(Set(d.received().map(\.key)).count == 50)
        try expectEverythingReceivedIsRecorded(d)
        #expect(daemon.signal(SIGTERM))
        #expect(daemon.waitForExit(timeout: 10) == 0, "\(daemon.stderr.suffix(2000))")
    }

    /// Runs `outreachd` with a file size limit of `kilobytes` (RLIMIT_FSIZE, SIGXFSZ ignored): a
    /// write past it fails as on a full disk, and nothing else about the process changes.
    static func limited(_ kilobytes: Int) -> [String] {
        ["/bin/sh", "-c", "trap '' XFSZ; ulimit -f \(kilobytes * 2); exec \"$@\"", "sh"]
    }

    @Test func testAFullDiskUnderTheLedgerSendsNothingUnrecordedTheDaemonSaysWhyAndLaterEverythingGoesOutOnce() throws {
        let d = try SinkDeployment(customers: 3_000, ledger: .sqlite, sink: .smtp, slow: 0)
        defer { d.server.stop() }
        let config = d.folder.file("outreachd.toml")
        // The first tick writes about 3 MB of rendered messages into the write-ahead log: past 1 MB the disk is "full".
        let once = try outreachd(["run", "--once", "--config", config], in: d.folder.path, launcher: Self.limited(1024))
        #expect(once.status == 1, "\(once)")
        #expect(once.stderr.contains("full"), "says why: \(once)")
        #expect(once.hasNoStackTrace)
        try expectEverythingReceivedIsRecorded(d)

        let daemon = try DaemonProcess(arguments: ["run", "--config", config], directory: d.folder.path, launcher: Self.limited(1024))
        defer { daemon.stop() }
        #expect(daemon.waitForStderr(containing: "tick failed", timeout: 20), "\(daemon.stderr.suffix(2000))")
        Thread.sleep(forTimeInterval: 2)
        #expect(daemon.isRunning, "\(daemon.stderr.suffix(2000))")
        #expect(daemon.stderr.contains("full"), "says why: \(daemon.stderr.suffix(2000))")
        try expectEverythingReceivedIsRecorded(d)
        #expect(daemon.signal(SIGTERM))
        #expect(daemon.waitForExit(timeout: 20) == 0, "\(daemon.stderr.suffix(2000))")

        // Space again: every message goes out, once.
        let again = try outreachd(["run", "--once", "--config", config], in: d.folder.path)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr.suffix(2000))")
        #expect(try d.states() == ["sent": 3_000])
        #expect(Set(d.received().map(\.key)).count == 3_000)
        try expectEverythingReceivedIsRecorded(d)
    }
}
