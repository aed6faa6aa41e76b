import Dispatch
import Logging
import NIOCore
import PostgresNIO
import _ConnectionPoolModule

/// A PostgreSQL database behind postgres-nio's `PostgresClient` pool, for synchronous callers.
///
/// outreachd runs on Dispatch threads (the tick's serial queue, delivery threads), so this is the
/// one bridge between them and postgres-nio's async API:
/// - the client's `run()` goes on in one long-lived task from `init` until ``shutdown()`` (or deinit);
/// - ``withConnection(_:)`` starts a task for the call and blocks the calling thread on a semaphore
///   until the task finishes or ``PostgresSettings/callTimeout`` passes (then the task is cancelled);
/// - every task runs on a ``DispatchTaskExecutor``, never on the cooperative pool, and nothing here
///   blocks inside a task: only the synchronous caller waits.
///
/// The pool holds at most ``PostgresSettings/maximumConnections`` connections and replaces the ones a
/// server restart closed, so a restarted server costs the calls made while it was down, no more.
/// A server that cannot be reached is reported within ``PostgresSettings/connectGrace``: when no
/// connection comes by then, one connection is tried directly, and its error (refused, login,
/// TLS) is the call's. Should the pool's circuit breaker have tripped (no connection for a minute)
/// while that direct connection works, the pool is replaced and the call made again.
///
/// - Important: call it from plain threads. A task may call it (tests do) only because the work
///   it waits for runs on its own executor; it still holds that task's thread for the call.
public final class PostgresPool: Sendable {
    public let settings: PostgresSettings
    private let current: Locked<Generation?>
    private let clientConfiguration: PostgresClient.Configuration
    private static let executor = DispatchTaskExecutor(label: "outreachd.postgres")
    private static let silent = Logger(label: "outreachd.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    /// One client and the task running it; replaced after its circuit breaker tripped.
    private struct Generation: Sendable {
        var client: PostgresClient
        var runner: Task<Void, Never>
    }

    /// The runner of every client in this process that has not finished yet (cancelled ones
    /// included, while they close their connections), for ``closeAll()``.
    private static let running = Locked<(next: Int, runners: [Int: Task<Void, Never>])>((0, [:]))

    /// How long closing waits for the pool to wind down: nothing may hold up an exit for long.
    static let closeTimeout = DispatchTimeInterval.seconds(5)

    /// Starts the pool. With `verify`, one connection is made first, so a wrong URL, password or
    /// TLS setting fails here with its reason instead of at the first query.
    public init(_ settings: PostgresSettings, verify: Bool = true) throws(PostgresError) {
        self.settings = settings
        clientConfiguration = try settings.clientConfiguration()
        current = Locked(nil)
        if verify, let problem = probe() { throw problem }
        current.withLock { $0 = Self.start(clientConfiguration) }
    }

    /// The connections close in the background; ``closeAll()`` still waits for them.
    deinit { current.withLock { $0 }?.runner.cancel() }

    /// Closes this pool's connections, waiting up to ``closeTimeout``; later calls fail with
    /// ``PostgresError/closed(_:)``.
    public func close() {
        let generation = current.withLock { generation in
            defer { generation = nil }
            return generation
        }
        guard let generation else { return }
        generation.runner.cancel()
        Self.wait(for: [generation.runner])
    }

    /// Closes every pool of the process, waiting up to ``closeTimeout``: called as a command or
    /// the daemon exits, so that it ends with its connections closed and their memory released
    /// rather than left to the kernel (which is also what lets LeakSanitizer tell a leak from a
    /// connection still open: it cannot follow NIO's pointers to a live channel). postgres-nio's
    /// pool closes a connection without PostgreSQL's Terminate message either way.
    public static func closeAll() {
        let runners = running.withLock { Array($0.runners.values) }
        runners.forEach { $0.cancel() }
        wait(for: runners)
    }

    private static func wait(for runners: [Task<Void, Never>]) {
        guard !runners.isEmpty else { return }
        let closed = DispatchSemaphore(value: 0)
        Task(executorPreference: executor) {
            for runner in runners { await runner.value }
            closed.signal()
        }
        _ = closed.wait(timeout: .now() + closeTimeout)
    }

    private static func start(_ configuration: PostgresClient.Configuration) -> Generation {
        let client = PostgresClient(configuration: configuration, backgroundLogger: silent)
        // Registered before it can finish, so its own removal comes after.
        let runner = running.withLock { running in
            let id = running.next
            running.next += 1
            let runner = Task(executorPreference: executor) {
                await client.run()
                _ = Self.running.withLock { $0.runners.removeValue(forKey: id) }
            }
            running.runners[id] = runner
            return runner
        }
        return Generation(client: client, runner: runner)
    }

    /// Runs `body` with a pooled connection, blocking this thread until it is done.
    ///
    /// `body` must not keep the connection. Errors come back as ``PostgresError``, one line each.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws(PostgresError) -> T {
        guard let generation = current.withLock({ $0 }) else { throw .closed(settings.url) }
        do {
            return try call(generation.client, body)
        } catch let error as ConnectionPoolError where error == .connectionCreationCircuitBreakerTripped {
            // The pool stopped trying for now (it retries with a backoff of up to a minute). When a
            // connection works again, a fresh pool serves this call instead of failing it.
            if let problem = probe() { throw problem }
            let fresh = Self.start(clientConfiguration)
            let replaced = current.withLock { generation -> Generation? in
                defer { generation = fresh }
                return generation
            }
            replaced?.runner.cancel()
            do { return try call(fresh.client, body) } catch { throw explain(error) }
        } catch {
            throw explain(error)
        }
    }

    /// Every row of `query`.
    public func rows(_ query: PostgresQuery) throws(PostgresError) -> [PostgresRow] {
        try withConnection { connection in
            var rows: [PostgresRow] = []
            for try await row in try await connection.query(query, logger: Self.silent) { rows.append(row) }
            return rows
        }
    }

    /// Runs `query` for its effect.
    public func execute(_ query: PostgresQuery) throws(PostgresError) {
        _ = try rows(query)
    }

    /// Runs `sql` for its effect, with text parameters `$1…` (`nil` is NULL; cast them in the SQL where a column is not text).
    public func execute(_ sql: String, _ values: [String?] = []) throws(PostgresError) {
        try execute([(sql, values)])
    }

    /// Runs each statement in turn on one connection (so session settings made by one hold for the next).
    public func execute(_ statements: [(sql: String, values: [String?])]) throws(PostgresError) {
        let queries = statements.map { statement in
            var bindings = PostgresBindings()
            for value in statement.values {
                if let value { bindings.append(value) } else { bindings.appendNull() }
            }
            return PostgresQuery(unsafeSQL: statement.sql, binds: bindings)
        }
        try withConnection { connection in
            for query in queries { _ = try await connection.query(query, logger: Self.silent) }
        }
    }

    /// Runs each statement, without parameters, in turn on one connection.
    public func execute(_ statements: [String]) throws(PostgresError) {
        try execute(statements.map { (sql: $0, values: [String?]()) })
    }

    /// The logger postgres-nio calls take: silent, since queries may hold customer data.
    public static var logger: Logger { silent }

    // MARK: The bridge

    /// Runs one call on `client`; throws what the call threw, unexplained.
    private func call<T: Sendable>(_ client: PostgresClient, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        let pending = PendingCall<T>()
        let task = Task(executorPreference: Self.executor) {
            do {
                let value = try await client.withConnection { connection in
                    pending.leased(connection)
                    return try await body(connection)
                }
                pending.finish(.success(value))
            } catch {
                pending.finish(.failure(error))
            }
        }
        let deadline = DispatchTime.now().advanced(by: settings.callTimeout)
        var grace: DispatchTime? = DispatchTime.now().advanced(by: settings.connectGrace)
        while true {
            let state = pending.wait(until: min(deadline, grace ?? deadline))
            if let result = state.result { return try result.get() }
            if state.leased { grace = nil }
            if let limit = grace, DispatchTime.now() >= limit {
                grace = nil
                // No connection yet: ask the server directly why (a connection that works means the pool is just slow).
                if let problem = probe() {
                    task.cancel()
                    throw problem
                }
            }
            if DispatchTime.now() >= deadline {
                task.cancel()
                pending.abandon()
                throw PostgresError.timeout(settings.url, "no answer within \(settings.callTimeout.components.seconds) s; the call was given up")
            }
        }
    }

    /// The error of a call, said for the operator; a lost or refused connection is checked directly
    /// first, so the message says whether the server is down or was only restarted.
    private func explain(_ error: any Error) -> PostgresError {
        if let error = error as? PostgresError { return error }
        let described = PostgresError.from(error, url: settings.url)
        guard described.isConnectionLost || described.isUnreachable || described.isTimeout else { return described }
        return probe() ?? described
    }

    /// Makes one connection outside the pool and closes it: `nil` when that works, else why not.
    func probe() -> PostgresError? {
        let url = settings.url
        let configuration: PostgresConnection.Configuration
        do { configuration = try settings.connectionConfiguration() } catch { return error }
        let pending = PendingCall<Void>()
        let task = Task(executorPreference: Self.executor) {
            do {
                let connection = try await PostgresConnection.connect(on: PostgresClient.defaultEventLoopGroup.next(), configuration: configuration,
                                                                      id: 0, logger: Self.silent)
                try? await connection.close()
                pending.finish(.success(()))
            } catch {
                pending.finish(.failure(error))
            }
        }
        let deadline = DispatchTime.now().advanced(by: .seconds(url.connectTimeout + 1))
        while true {
            let state = pending.wait(until: deadline)
            if let result = state.result {
                if case .failure(let error) = result { return PostgresError.from(error, url: url) }
                return nil
            }
            if DispatchTime.now() >= deadline {
                task.cancel()
                return .unreachable(url, "no answer from \(url.host):\(url.port) within \(url.connectTimeout) s (connect_timeout)")
            }
        }
    }
}

/// A call in flight: the connection it leased, and its result once done. The task fills it in;
/// the blocked caller reads it after each signal.
private final class PendingCall<T: Sendable>: Sendable {
    private let state = Locked<(connection: PostgresConnection?, result: Result<T, any Error>?)>((nil, nil))
    // One signal per change; the waiter re-reads the state after each, so none is lost.
    private let changed = DispatchSemaphore(value: 0)

    func leased(_ connection: PostgresConnection) {
        state.withLock { $0.connection = connection }
        changed.signal()
    }

    /// Given up by its caller: closes the leased connection, so that a statement a silent server
    /// never answers fails and the connection goes back to the pool (to be replaced). Cancelling
    /// the task alone leaves it waiting, and the connection leased for good: a pool of N would
    /// stop after N such calls.
    func abandon() {
        if let connection = state.withLock({ $0.connection }) { _ = connection.close() as EventLoopFuture<Void> }
    }

    func finish(_ result: Result<T, any Error>) {
        state.withLock { $0.result = result }
        changed.signal()
    }

    /// The state after the next change, or at `deadline`.
    func wait(until deadline: DispatchTime) -> (leased: Bool, result: Result<T, any Error>?) {
        let now = state.withLock { (leased: $0.connection != nil, result: $0.result) }
        if now.result != nil { return now }
        _ = changed.wait(timeout: deadline)
        return state.withLock { (leased: $0.connection != nil, result: $0.result) }
    }
}

extension DispatchTime {
    func advanced(by duration: Duration) -> DispatchTime {
        let (seconds, attoseconds) = duration.components
        return self + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
    }
}
