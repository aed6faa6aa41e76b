import Foundation

/// A throwaway PostgreSQL server (Debian's `postgresql` 15) for tests: a fresh cluster in a
/// temporary folder, listening on 127.0.0.1 at a free port and on a Unix socket in that folder.
///
/// As root it runs as the `postgres` user (`setpriv`; initdb refuses root), which owns the folder.
/// The server is a child of a shell that stops it when its stdin closes, so it stops with
/// ``stop()``, on deinit, or when the test process exits, crash or not; deinit also removes the folder.
///
/// Roles: `postgres` (superuser, trusted locally) and whatever ``createUser(_:password:)`` makes.
/// `127.0.0.1` trusts every role except `locked`, which must give its password (scram-sha-256).
public final class PostgresServer: @unchecked Sendable {  // mutated by its owning test (or once, lazily, for `shared`)
    public let folder: String
    public let port: Int
    /// The database tests use: ICU `en-US` collation, so text is not ordered bytewise unless a query says `COLLATE "C"`.
    public let database = "outreachd"
    public let locked = "locked"
    public let lockedPassword = "s3cret-of-locked"
    private var runner: Process?
    private var stdin: Pipe?
    private var removed = false

    /// Where Debian installs PostgreSQL 15 (`OUTREACHD_TEST_PGBIN` overrides it).
    public static var binaries: String {
        ProcessInfo.processInfo.environment["OUTREACHD_TEST_PGBIN"] ?? "/usr/lib/postgresql/15/bin"
    }

    /// One server for a whole test process, started on first use; each test works in its own role
    /// and schema (``makeSchema()``), so tests running in parallel never see each other's tables.
    public static let shared: Result<PostgresServer, ServerProcess.ServerError> = {
        do {
            let server = try PostgresServer()
            sharedForExit = server
            atexit { PostgresServer.sharedForExit?.stop(); PostgresServer.sharedForExit?.remove() }
            return .success(server)
        } catch let error as ServerProcess.ServerError {
            return .failure(error)
        } catch {
            return .failure(ServerProcess.ServerError("\(error)"))
        }
    }()
    nonisolated(unsafe) private static var sharedForExit: PostgresServer?

    /// Makes the cluster and starts it.
    public init() throws {
        let template = NSTemporaryDirectory() + "outreachd-pg-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { throw ServerProcess.ServerError("mkdtemp failed") }
        folder = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        port = try closedLoopbackPort()
        if getuid() == 0 { try Self.run(["/bin/chown", "postgres:postgres", folder]) }
        try Self.run(Self.asServerUser + [Self.binaries + "/initdb", "-D", folder + "/data", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8",
                                          "--no-sync", "--auth=trust"])
        // First match wins: `locked` must log in with its password; everyone else is trusted.
        let hba = "local all all trust\nhost all \(locked) 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 trust\n"
        try Self.run(Self.asServerUser + ["/bin/sh", "-c", "printf '%s' \"$1\" > \"$2\"", "sh", hba, folder + "/data/pg_hba.conf"])
        try start()
        try psql("CREATE DATABASE \(database) TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
        try psql("CREATE ROLE \(locked) LOGIN PASSWORD '\(lockedPassword)'")
    }

    deinit {
        stop()
        remove()
    }

    /// `setpriv` to the `postgres` user when running as root; nothing otherwise.
    private static var asServerUser: [String] {
        getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"] : []
    }

    /// Starts the server (again, after ``stop()``) and waits until it accepts connections.
    public func start() throws {
        guard runner == nil else { return }
        let log = folder + "/server.log"
        let server = Self.asServerUser + [Self.binaries + "/postgres", "-D", folder + "/data", "-p", "\(port)", "-k", folder,
                                          "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
                                          "-c", "full_page_writes=off", "-c", "max_connections=300", "-c", "shared_buffers=32MB"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The server stops (fast shutdown) when this shell's stdin reaches its end: at stop(), or when the test process dies.
        // (No `wait` after the kill: a shell spawned from a Dispatch thread inherits a blocked SIGCHLD, and `wait` would hang.)
        process.arguments = ["-c", "\"$@\" 2>>'\(log)' & pid=$!; read _; kill -INT $pid", "sh"] + server
        let pipe = Pipe()
        process.standardInput = pipe
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        runner = process
        stdin = pipe
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? Self.run([Self.binaries + "/pg_isready", "-q", "-h", folder, "-p", "\(port)", "-U", "postgres"])) != nil { return }
            guard process.isRunning else { break }
            usleep(50_000)
        }
        let tail = (try? String(contentsOfFile: log, encoding: .utf8)).map { String($0.suffix(600)) } ?? ""
        stop()
        throw ServerProcess.ServerError("postgres did not start on port \(port): \(tail)")
    }

    /// Stops the server (fast shutdown: sessions are ended) and waits until it is gone.
    ///
    /// Waits by polling, not with Foundation's `Process.waitUntilExit`, which spins when called
    /// while the process exits (this runs from `atexit` for ``shared``).
    public func stop() {
        guard runner != nil else { return }
        try? stdin?.fileHandleForWriting.close()
        // The server removes its pid file once it has shut down.
        let deadline = Date().addingTimeInterval(20)
        while FileManager.default.fileExists(atPath: folder + "/data/postmaster.pid"), Date() < deadline { usleep(20_000) }
        runner = nil
        stdin = nil
    }

    private func remove() {
        guard !removed else { return }
        removed = true
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Runs `sql` as `postgres` through `psql` and returns what it printed (unaligned, tuples only).
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres", user: String = "postgres") throws -> String {
        try Self.run([Self.binaries + "/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", folder, "-p", "\(port)", "-U", user, "-d", database, "-c", sql])
    }

    /// A login role with a schema of the same name in ``database``, found first on its default
    /// `search_path` (`"$user", public`): a test's own `customers`, `purchases`, `tickets`.
    public func makeSchema() throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        try psql("CREATE ROLE \(name) LOGIN; CREATE SCHEMA \(name) AUTHORIZATION \(name)", database: database)
        return name
    }

    /// `postgres://USER@127.0.0.1:PORT/DATABASE`.
    public func url(user: String, database: String? = nil, query: String = "") -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database ?? self.database)" + (query.isEmpty ? "" : "?" + query)
    }

    /// Runs a program to its end; throws with its output when it fails.
    @discardableResult
    static func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        do { try process.run() } catch { throw ServerProcess.ServerError("\(arguments[0]): \(error) (run `make test-deps` to install PostgreSQL 15)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw ServerProcess.ServerError("\(URL(fileURLWithPath: arguments[0]).lastPathComponent) failed (\(process.terminationStatus)): \(text.suffix(800))")
        }
        return text
    }
}
