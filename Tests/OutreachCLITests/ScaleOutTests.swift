import Foundation
import GRDB
import OutreachTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Several `outreachd run` processes over one PostgreSQL ledger, as an operator runs them on
/// several machines: the work spreads, a killed instance's messages are taken over after its
/// lease (resent only if its attempt was under way, with the same Message-ID), the frequency cap
/// holds across instances, and a database restart loses nothing.
@Suite(.serialized) struct ScaleOutTests {
    typealias Deployment = SinkDeployment

    @Test func testThreeInstancesShareTheWorkAndAKilledOnesClaimsAreTakenOverWithTheSameMessageID() throws {
        let server = try PostgresServer.shared.get()
        let d = try Deployment(customers: 3000, ledger: .postgres(server))
        defer { d.server.stop() }
        let daemons = try (0..<3).map { _ in try d.startDaemon() }
        defer { daemons.forEach { $0.stop() } }
        // Kill one while everything is under way.
        let killAt = Date().addingTimeInterval(60)
        while d.receivedCount < 600, Date() < killAt, daemons.allSatisfy(\.isRunning) { Thread.sleep(forTimeInterval: 0.05) }
        let killed = daemons[1]
        #expect(killed.signal(SIGKILL))
        _ = killed.waitForExit(timeout: 5)
        let sentByKilled = killed.countStderrLines(containing: "info sent ")

        let states = try d.waitUntilAllSent(d.customers, timeout: 120)
        #expect(states == ["sent": d.customers], "\(states)")
        let received = d.received()
        let byKey = Dictionary(grouping: received, by: \.key)
        #expect(byKey.count == d.customers, "every message delivered: \(byKey.count) of \(d.customers)")
        let duplicates = byKey.filter { $0.value.count > 1 }
        // Only the killed instance's attempts under way can be repeated: at most its connections.
        #expect(duplicates.count <= 4, "\(duplicates.count) duplicates: \(duplicates.keys.sorted().prefix(10))")
        for (key, copies) in duplicates {
            #expect(Set(copies.map(\.messageID)).count == 1, "\(key) was resent with another Message-ID")
        }
        let split = daemons.map { $0.countStderrLines(containing: "info sent ") }
        print("scale-out split (sent per instance, instance 2 killed after \(sentByKilled)): \(split); duplicates: \(duplicates.count); received \(received.count)")
        #expect(split[0] > 0 && split[2] > 0, "the work was spread: \(split)")
        #expect(daemons[0].isRunning && daemons[2].isRunning)
        for daemon in [daemons[0], daemons[2]] {
            #expect(daemon.signal(SIGTERM))
            #expect(daemon.waitForExit(timeout: 10) == 0, "\(daemon.stderr.suffix(2000))")
        }
    }

    @Test func testTheCapHoldsAcrossThreeRunOnceStartedTogether() throws {
        let server = try PostgresServer.shared.get()
        let d = try Deployment(customers: 300, ledger: .postgres(server), slow: 0, purchases: true)
        defer { d.server.stop() }
        // Each instance sees other rules, so only the shared ledger can keep a customer to one message a day.
        let configs = [try d.writeConfig("a.toml", rules: [.birthday], cap: "1/24h"), try d.writeConfig("b.toml", rules: [.checkIn], cap: "1/24h"),
                       try d.writeConfig("c.toml", rules: [.birthday, .checkIn], cap: "1/24h")]
        let start = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        let results = Locked<[CLIResult]>([])
        for config in configs {
            group.enter()
            Thread {
                defer { group.leave() }
                start.wait()
                if let result = try? outreachd(["run", "--once", "--config", config], in: d.folder.path) { results.withLock { $0.append(result) } }
            }.start()
        }
        for _ in configs { start.signal() }
        group.wait()
        let runs = results.withLock { $0 }
        #expect(runs.count == 3 && runs.allSatisfy { $0.status == 0 }, "\(runs)")
        let perRecipient = Dictionary(grouping: d.received(), by: \.to)
        #expect(perRecipient.count == d.customers, "every customer got a message: \(perRecipient.count)")
        let twice = perRecipient.filter { $0.value.count > 1 }
        #expect(twice.isEmpty, "\(twice.count) customers got two messages: \(twice.keys.sorted().prefix(5))")
    }

    @Test func testAPostgreSQLRestartDuringADaemonRunLosesNothing() throws {
        let server = try PostgresServer()
        let d = try Deployment(customers: 1000, ledger: .postgres(server), slow: 0.01)
        defer { d.server.stop() }
        // Now and then a statement that the shutdown cuts off is never completed by postgres-nio
        // 1.33, even after its connection is closed: the call is given up after call_timeout and
        // nothing is lost, but that task and its connection (~140 KB) stay allocated until exit.
        // Under `make sanitize`, LeakSanitizer leaves this one daemon's exit alone for that.
        let lsan = ProcessInfo.processInfo.environment["LSAN_OPTIONS"].map { $0 + ":" } ?? ""
        let daemon = try d.startDaemon(environment: ["LSAN_OPTIONS": lsan + "detect_leaks=0"])
        defer { daemon.stop() }
        let deadline = Date().addingTimeInterval(60)
        while d.receivedCount < 200, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        server.stop()
        Thread.sleep(forTimeInterval: 1.5)
        try server.start()
        let states = try d.waitUntilAllSent(d.customers, timeout: 90)
        #expect(states == ["sent": d.customers], "\(states)\n\(daemon.stderr.suffix(3000))")
        let byKey = Dictionary(grouping: d.received(), by: \.key)
        #expect(byKey.count == d.customers)
        for (key, copies) in byKey where copies.count > 1 {
            #expect(Set(copies.map(\.messageID)).count == 1, "\(key) was resent with another Message-ID")
        }
        #expect(daemon.stderr.contains("tick failed") || daemon.stderr.contains("cannot record"), "the restart was noticed")
        #expect(daemon.isRunning, "the daemon survived the restart")
        print("restart: \(byKey.filter { $0.value.count > 1 }.count) messages resent with the same Message-ID")
        #expect(daemon.signal(SIGTERM))
        #expect(daemon.waitForExit(timeout: 10) == 0, "\(daemon.stderr.suffix(4000))")
    }
}

extension ScaleOutTests {
    @Test func testALedgerThatCannotBeReachedIsOneLineNamingTheURLWithoutItsPassword() throws {
        let server = try PostgresServer.shared.get()
        let d = try Deployment(customers: 1, ledger: .postgres(server), slow: 0)
        defer { d.server.stop() }
        let port = try closedLoopbackPort()
        for (url, says) in [("postgres://outreachd:hunter2@127.0.0.1:\(port)/nowhere", "refused"),
                            ("postgres://\(server.locked):wrong-password@127.0.0.1:\(server.port)/\(server.database)", "password"),
                            ("postgres://postgres:hunter2@127.0.0.1:\(server.port)/no_such_database", "does not exist")] {
            var text = try String(contentsOfFile: d.folder.file("outreachd.toml"), encoding: .utf8)
            text = text.replacingOccurrences(of: d.ledgerURL, with: url)
            let config = d.folder.write("broken.toml", text)
            let line = try #require(text.components(separatedBy: "\n").firstIndex { $0.hasPrefix("url = \"postgres") }) + 1
            for command in [["check"], ["run", "--once"], ["status"]] {
                let result = try outreachd([command[0], "--config", config] + command.dropFirst(), in: d.folder.path)
                #expect(result.status == 1, "\(command) \(url): \(result)")
                #expect(result.stderr.contains("\(config):\(line): "), "\(command): \(result)")
                #expect(result.stderr.contains(says), "\(command): \(result)")
                #expect(!result.stderr.contains("hunter2") && !result.stderr.contains("wrong-password"), "the password was shown: \(result)")
                #expect(result.hasNoStackTrace)
            }
        }
    }
}

/// A value shared between test threads.
final class Locked<Value: Sendable>: @unchecked Sendable {  // `value` only behind `lock`
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
