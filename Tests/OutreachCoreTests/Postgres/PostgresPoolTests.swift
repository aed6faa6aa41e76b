import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The connection layer against a real server: one-line errors that name the URL without its
/// password, and a restarted server costing only the calls made while it was down.
@Suite struct PostgresPoolTests {
    func settings(_ url: String, passwordFile: String? = nil, environment: [String: String] = [:]) throws -> PostgresSettings {
        try DatabaseURL(kind: .postgres, location: url, passwordFile: passwordFile).postgresSettings(relativeTo: "/", environment: environment)
    }

    /// The error opening a pool at `url` throws, and how long it took.
    func failure(_ url: String, passwordFile: String? = nil, environment: [String: String] = [:]) throws -> (PostgresError, TimeInterval) {
        let started = Date()
        do {
            _ = try PostgresPool(try settings(url, passwordFile: passwordFile, environment: environment))
        } catch let error as PostgresError {
            return (error, Date().timeIntervalSince(started))
        }
        Issue.record("\(url) connected")
        return (PostgresError.closed(try PostgresURL.parse(url).get()), 0)
    }

    func expectOneLine(_ error: PostgresError, naming url: String, without secret: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = "\(error)"
        #expect(!text.contains("\n"), "\(text)", sourceLocation: sourceLocation)
        #expect(text.hasPrefix(url), "\(text)", sourceLocation: sourceLocation)
        #expect(!text.contains(secret), "\(text)", sourceLocation: sourceLocation)
    }

    @Test func testRefusedConnectionIsOneLineNamingTheURLWithoutItsPassword() throws {
        let port = try closedLoopbackPort()
        let (error, took) = try failure("postgres://app:hunter2@127.0.0.1:\(port)/crm")
        #expect(error.isUnreachable)
        #expect("\(error)".contains("connection refused"), "\(error)")
        expectOneLine(error, naming: "postgres://app@127.0.0.1:\(port)/crm", without: "hunter2")
        #expect(took < 5)
    }

    @Test func testWrongPasswordIsALoginErrorAndTheRightOneConnects() throws {
        let server = try PostgresServer.shared.get()
        let folder = TemporaryFolder()
        let url = server.url(user: server.locked, database: "postgres")
        let (wrong, _) = try failure(url, passwordFile: folder.write("pw", "not-the-password\n"))
        #expect(wrong.isAuthentication, "\(wrong)")
        #expect("\(wrong)".contains("password authentication failed"), "\(wrong)")
        expectOneLine(wrong, naming: url, without: "not-the-password")
        let (none, _) = try failure(url)
        #expect(none.isAuthentication, "\(none)")
        #expect("\(none)".contains("password_file or PGPASSWORD"), "\(none)")
        // The right password, from password_file, from $PGPASSWORD, and from the URL.
        let pool = try PostgresPool(try settings(url, passwordFile: folder.write("good", server.lockedPassword + "\n")))
        try pool.execute("SELECT 1")
        _ = try PostgresPool(try settings(url, environment: ["PGPASSWORD": server.lockedPassword]))
        _ = try PostgresPool(try settings(url.replacingOccurrences(of: "locked@", with: "locked:\(server.lockedPassword)@")))
    }

    @Test func testMissingDatabaseAndUnreadablePasswordFileAreNamed() throws {
        let server = try PostgresServer.shared.get()
        let (missing, _) = try failure(server.url(user: "postgres", database: "no_such_db"))
        #expect(missing.isConnectionProblem)
        #expect("\(missing)".contains("\"no_such_db\" does not exist"), "\(missing)")
        do {
            _ = try settings(server.url(user: "postgres"), passwordFile: "/nonexistent/pw")
            Issue.record("a missing password file was accepted")
        } catch {
            #expect("\(error)".contains("/nonexistent/pw"), "\(error)")
        }
    }

    @Test func testTLSThatTheServerDoesNotOfferIsATLSError() throws {
        let server = try PostgresServer.shared.get()
        let (error, _) = try failure(server.url(user: "postgres", query: "sslmode=require"))
        #expect(error.isTLS, "\(error)")
        #expect("\(error)".contains("does not offer TLS"), "\(error)")
    }

    @Test func testBadURLsAreRefusedWithTheReasonAndWithoutThePassword() {
        for (url, reason) in [("postgres://app:pw@db/", "names no database"), ("postgres://db/crm", "names no user"),
                              ("postgres://app@db:99999/crm", "port"), ("postgres://app@db/crm?sslmode=sometimes", "sslmode=sometimes"),
                              ("postgres://app@db/crm?sslmod=require", "unknown parameter \"sslmod\""), ("mysql://app@db/crm", "not a PostgreSQL URL")] {
            guard case .failure(let error) = PostgresURL.parse(url) else { Issue.record("\(url) parsed"); continue }
            #expect(error.description.contains(reason), "\(url): \(error)")
        }
        let parsed = try? PostgresURL.parse("postgresql://app:s%40cret@[::1]:6543/crm%20db?sslmode=verify-full&sslrootcert=ca.pem", relativeTo: "/etc/outreachd").get()
        #expect(parsed?.password == "s@cret" && parsed?.host == "::1" && parsed?.port == 6543 && parsed?.database == "crm db")
        #expect(parsed?.sslRootCert == "/etc/outreachd/ca.pem")
        #expect(parsed?.description == "postgres://app@[::1]:6543/crm%20db?sslmode=verify-full&sslrootcert=/etc/outreachd/ca.pem")
        let socket = try? PostgresURL.parse("postgres://app@%2Frun%2Fpostgresql/crm").get()
        #expect(socket?.unixSocketPath == "/run/postgresql/.s.PGSQL.5432")
    }

    @Test func testTheStoreOverAUnixSocket() throws {
        let fixture = try PostgresFixture(.postgresTyped)
        let url = "postgres://\(fixture.role)@\(fixture.server.folder.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!):\(fixture.server.port)/\(fixture.server.database)"
        try fixture.insert(customers: [Customer(id: "C1", name: "Anna", birthday: "1980-11-23")])
        let store = try PostgresCustomerStore(settings: try settings(url))
        #expect(try store.customers(ids: ["C1"]).rows["C1"]?.name == "Anna")
    }

    @Test func testAServerRestartCostsOnlyTheCallsMadeWhileItWasDown() throws {
        // A server of its own: stopping the shared one would fail the other tests.
        let server = try PostgresServer()
        defer { server.stop() }
        try server.psql("CREATE TABLE customers(id text PRIMARY KEY, name text NOT NULL, email text, phone text, locale text, timezone text, "
                        + "birthday text, tier text, opted_out integer NOT NULL DEFAULT 0, created_at text); "
                        + "CREATE TABLE purchases(id text, customer_id text, purchased_at text, amount real, currency text, item text); "
                        + "CREATE TABLE tickets(id text, customer_id text, subject text, status text, opened_at text, updated_at text, solved_at text); "
                        + "INSERT INTO customers(id, name) VALUES ('C1', 'Anna')", database: server.database)
        let store = try PostgresCustomerStore(settings: try settings(server.url(user: "postgres")))
        #expect(try store.customers(ids: ["C1"]).rows.count == 1)

        // Restarted between two calls: the pool replaces the connection the restart closed; nothing fails.
        server.stop()
        try server.start()
        #expect(try store.customers(ids: ["C1"]).rows.count == 1)

        // Down during a call: that call fails at once, in one line, saying why.
        server.stop()
        let started = Date()
        do {
            _ = try store.customers(ids: ["C1"])
            Issue.record("a call succeeded with the server down")
        } catch let error as PostgresError {
            #expect(error.isUnreachable || error.isConnectionLost, "\(error)")
            #expect("\(error)".contains("connection refused"), "\(error)")
            #expect(!"\(error)".contains("\n"))
        }
        #expect(Date().timeIntervalSince(started) < 5)
        // Back up: the next call reconnects.
        try server.start()
        #expect(try store.customers(ids: ["C1"]).rows.count == 1)
    }

    @Test func testACallGivenUpOnASilentServerGivesItsConnectionBack() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        var tight = try settings(server.url(user: "postgres"))
        tight.maximumConnections = 1
        tight.callTimeout = .seconds(2)
        let pool = try PostgresPool(tight)
        defer { pool.close() }
        try pool.execute("SELECT 1")
        let pids = try server.psql("SELECT pid FROM pg_stat_activity WHERE application_name = 'outreachd'")
            .split(separator: "\n").compactMap { Int32($0) }
        try #require(pids.count == 1, "the pool's one connection: \(pids)")
        let backend = pids[0]
        // The one connection's server process stops answering (statement_timeout cannot fire in a
        // stopped process), as a server half-way through a restart or a dead link can.
        #expect(kill(pid_t(backend), SIGSTOP) == 0)
        defer { kill(pid_t(backend), SIGCONT) }
        let started = Date()
        do {
            try pool.execute("SELECT 1")
            Issue.record("a stopped backend answered")
        } catch {
            #expect(error.isTimeout, "\(error)")
        }
        #expect(Date().timeIntervalSince(started) < 5)
        // The pool's only connection comes back (closed, then replaced), not leased for good to a
        // task nobody waits for: within a few calls (one made at once may still find none free).
        var answered = 0
        for _ in 0..<3 where answered < 2 {
            if (try? pool.rows("SELECT 1").count) == 1 { answered += 1 }
        }
        #expect(answered == 2, "the pool served no call after one was given up")
    }
}
