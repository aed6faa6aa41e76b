import Foundation
import PostgresNIO

/// The ledger in a PostgreSQL database (schema `outreachd`), shared by several instances.
///
/// PostgreSQL itself coordinates them; nothing home-made does:
/// - a key is inserted once, ever (`ON CONFLICT (key) DO NOTHING`), so instances evaluating the
///   same tick queue each occurrence once;
/// - a customer's cap check and insert run under a transaction-level advisory lock on the
///   customer, so `1/24h` holds across instances evaluating at the same moment;
/// - delivery claims rows with `FOR UPDATE SKIP LOCKED`, marking them with a claim and a lease
///   that the deliverer renews while the attempt runs; a dead instance's claims are taken over
///   once their lease ran out, keeping the key (so the same Message-ID / Idempotency-Key).
///
/// "Queued" means committed with `synchronous_commit = on` (set on every connection).
public final class PostgresLedger: Ledger, Sendable {
    let pool: PostgresPool
    public let lease: TimeSpan?
    /// Names this process's claims (host, pid, a random part), for an operator reading the table.
    let instance: String

    public var location: String { pool.settings.url.description }

    /// Rows per enqueue transaction: short transactions, so advisory locks are held briefly.
    static let batch = 500

    /// Opens the ledger in the database of `settings` as `access` allows.
    ///
    /// `.create` creates the schema and runs the migrations (under an advisory lock, so two
    /// `init`s never race); the others require the ledger to exist; `.write` and `.deliver`
    /// migrate an older one, `.read` refuses it. Throws ``PostgresError`` when the database
    /// cannot be reached or logged into, ``LedgerError`` when it holds no (current) ledger.
    public init(_ settings: PostgresSettings, access: LedgerAccess, lease: TimeSpan) throws {
        var settings = settings
        settings.sessionParameters.append(("synchronous_commit", "on"))
        pool = try PostgresPool(settings)
        self.lease = lease
        instance = "\(ChannelEnvironment.localHostName()):\(getpid()):\(UUID().uuidString.prefix(6).lowercased())"
        let location = settings.url.description
        let applied = try PostgresLedgerSchema.appliedVersions(pool)
        switch access {
        case .create:
            try PostgresLedgerSchema.migrate(pool)
        case .write, .deliver:
            guard let applied, !applied.isEmpty else { throw LedgerError.empty(location) }
            try PostgresLedgerSchema.migrate(pool)
        case .read:
            guard let applied, !applied.isEmpty else { throw LedgerError.empty(location) }
            guard Set(applied).isSuperset(of: PostgresLedgerSchema.migrations.map(\.version)) else { throw LedgerError.outdated(location) }
        }
    }

    /// The server is checked by every call; a restarted one costs the tick that meets it.
    public func checkHealth() throws {}

    /// Other instances write a shared ledger all the time, and nothing cheap says whether a row
    /// went missing: every tick evaluates everything.
    public func dataVersion() throws -> DataVersion? { nil }

    // MARK: Plumbing

    /// The rows of one statement (a change commits by itself); failures become a ``LedgerError``
    /// naming the URL. Rows are decoded by the caller, outside the pool, so a damaged row is
    /// reported as such and never mistaken for a connection problem.
    func run(_ query: PostgresQuery) throws -> [PostgresRow] {
        do { return try pool.rows(query) } catch { throw LedgerError.postgres(error) }
    }

    /// Runs `body` in one transaction, durably committed before it returns.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws -> T {
        do { return try pool.transaction(body) } catch { throw LedgerError.postgres(error) }
    }

    static let capStates = LedgerState.sqlList(LedgerState.capStates)

    // MARK: LedgerReader

    public func records(keys: [String]) throws -> [String: LedgerRecord] {
        guard !keys.isEmpty else { return [:] }
        var result: [String: LedgerRecord] = [:]
        for row in try run("SELECT key, state, queued_at, updated_at FROM outreachd.outbox WHERE key = ANY(\(keys))") {
            let (key, state, queued, updated) = try decoding { try row.decode((String, String, Date, Date).self) }
            result[key] = LedgerRecord(key: key, state: try self.state(state, row: "row \(key)"), queuedAt: queued, updatedAt: updated)
        }
        return result
    }

    public func capEvents(customerIDs: [String], since: Date) throws -> [String: [Date]] {
        guard !customerIDs.isEmpty else { return [:] }
        var result: [String: [Date]] = [:]
        for row in try run("""
            SELECT customer_id, queued_at FROM outreachd.outbox
            WHERE customer_id = ANY(\(customerIDs)) AND state IN \(unescaped: Self.capStates) AND queued_at > \(since)
            """) {
            let (id, at) = try decoding { try row.decode((String, Date).self) }
            result[id, default: []].append(at)
        }
        return result
    }

    public func suppressed(addresses: [String]) throws -> Set<String> {
        guard !addresses.isEmpty else { return [] }
        // Spelling tens of thousands of addresses the list's way costs more than asking whether it
        // has any, and whether any is a digest: both asked in one round trip (this runs per claim).
        let list = try run("""
            SELECT EXISTS (SELECT 1 FROM outreachd.suppressions),
                   EXISTS (SELECT 1 FROM outreachd.suppressions WHERE starts_with(address, \(ContactAddress.digestPrefix)))
            """)
        let (any, digests) = try decoding { try list.first?.decode((Bool, Bool).self) ?? (false, false) }
        guard any else { return [] }
        let spellings = ContactAddress.listSpellings(of: addresses, digests: digests)
        var result: Set<String> = []
        for row in try run("SELECT address FROM outreachd.suppressions WHERE address = ANY(\(Array(spellings.keys)))") {
            if let key = spellings[try decoding { try row.decode(String.self) }] { result.insert(key) }
        }
        return result
    }

    // MARK: Queueing

    public func enqueue(_ items: [OutboxItem], cap: FrequencyCap?, now: Date) throws -> EnqueueReport {
        var total = EnqueueReport()
        for start in stride(from: 0, to: items.count, by: Self.batch) {
            let batch = Array(items[start..<min(start + Self.batch, items.count)])
            let report = try transaction { c in
                var report = EnqueueReport()
                // Lock the customers in one order (sorted), so two instances never wait on each other in a cycle.
                if cap != nil {
                    for customer in Set(batch.filter { $0.state == .queued }.map(\.customerID)).sorted() {
                        try await c.query("SELECT pg_advisory_xact_lock(hashtext('outreachd:cap'), hashtext(\(customer)))", logger: PostgresPool.logger)
                    }
                }
                for item in batch {
                    // A new statement after the lock: under READ COMMITTED it sees what the lock's last holder committed.
                    let guarded = item.state == .queued ? cap : nil
                    if try await !c.rows(Self.insert(item, cap: guarded, now: now)).isEmpty {
                        report.inserted += 1
                        if item.state == .queued { report.queued += 1 }
                    } else if guarded != nil, try await c.rows("SELECT 1 FROM outreachd.outbox WHERE key = \(item.key)").isEmpty {
                        report.heldByCap += 1
                    }
                }
                return report
            }
            total.inserted += report.inserted
            total.queued += report.queued
            total.heldByCap += report.heldByCap
        }
        return total
    }

    /// `INSERT … ON CONFLICT (key) DO NOTHING RETURNING 1`, inserting only while the customer has
    /// room under `cap` when one is given.
    static func insert(_ i: OutboxItem, cap: FrequencyCap?, now: Date) -> PostgresQuery {
        let since = now.addingTimeInterval(-(cap?.period.timeInterval ?? 0))
        let room = cap?.count ?? Int.max
        return """
            INSERT INTO outreachd.outbox(key, rule, customer_id, channel, recipient, recipient_name, subject, body, locale, customer_json,
                                         state, due_at, deadline, queued_at, updated_at, attempts, next_attempt_at, last_error, failure_class, reply)
            SELECT \(i.key), \(i.rule), \(i.customerID), \(i.channel), \(i.recipient), \(i.recipientName), \(i.subject), \(i.body), \(i.locale),
                   \(i.customerJSON), \(i.state.rawValue), \(i.dueAt), \(i.deadline), \(i.queuedAt), \(i.updatedAt), \(i.attempts),
                   \(i.nextAttemptAt), \(i.lastError), \(i.failureClass?.rawValue), \(i.reply)
            WHERE \(cap == nil) OR (SELECT count(*) FROM outreachd.outbox WHERE customer_id = \(i.customerID)
                                    AND state IN \(unescaped: capStates) AND queued_at > \(since)) < \(room)
            ON CONFLICT (key) DO NOTHING RETURNING 1
            """
    }

    // MARK: Delivery

    /// Nothing to put back: a crashed instance's claims are taken over by ``claim(now:limit:)``
    /// once their lease ran out, and a live instance's are never touched. Returns how many such
    /// claims are waiting now, for the log.
    public func recoverInterrupted(now: Date) throws -> Int {
        try count(run("SELECT count(*) FROM outreachd.outbox WHERE state = 'sending' AND lease_until < \(now)"))
    }

    public func claim(now: Date, limit: Int) throws -> [OutboxItem] {
        let token = instance + ":" + UUID().uuidString.prefix(8).lowercased()
        let until = now.addingTimeInterval(lease?.timeInterval ?? 60)
        let items = try run("""
                UPDATE outreachd.outbox o SET state = 'sending', attempts = o.attempts + 1, claim = \(token), lease_until = \(until), updated_at = \(now)
                FROM (SELECT key FROM outreachd.outbox
                      WHERE state = 'queued' OR (state = 'retry' AND next_attempt_at <= \(now)) OR (state = 'sending' AND lease_until < \(now))
                      ORDER BY due_at, key LIMIT \(limit) FOR UPDATE SKIP LOCKED) c
                WHERE o.key = c.key
                RETURNING o.*
                """).map(item)
        return items.sorted { ($0.dueAt, $0.key) < ($1.dueAt, $1.key) }
    }

    public func renew(_ claimed: [OutboxItem], now: Date) throws {
        guard !claimed.isEmpty, let lease else { return }
        let until = now.addingTimeInterval(lease.timeInterval)
        let keys = claimed.map(\.key), claims = claimed.map { $0.claim ?? "" }
        _ = try lockingInKeyOrder(keys, """
            UPDATE outreachd.outbox o SET lease_until = \(until)
            FROM unnest(\(keys)::text[], \(claims)::text[]) AS r(key, claim)
            WHERE o.key = r.key AND o.claim = r.claim AND o.state = 'sending'
            """)
    }

    /// Runs `update` (a statement over several rows of `keys`) in a transaction that first locks
    /// those rows in key order: the lease renewal, the group commit and the release of one instance
    /// touch the same claimed rows from different threads, and two multi-row updates taking their
    /// row locks in different orders can deadlock (PostgreSQL then aborts one: a lost group commit).
    func lockingInKeyOrder(_ keys: [String], _ update: PostgresQuery) throws -> [PostgresRow] {
        let sorted = keys.sorted()
        return try transaction { c in
            _ = try await c.rows("SELECT 1 FROM outreachd.outbox WHERE key = ANY(\(sorted)::text[]) ORDER BY key FOR UPDATE")
            return try await c.rows(update)
        }
    }

    public func release(_ claimed: [OutboxItem], now: Date) throws {
        guard !claimed.isEmpty else { return }
        let keys = claimed.map(\.key), claims = claimed.map { $0.claim ?? "" }
        _ = try lockingInKeyOrder(keys, """
            UPDATE outreachd.outbox o SET state = 'queued', attempts = o.attempts - 1, claim = NULL, lease_until = NULL, updated_at = \(now)
            FROM unnest(\(keys)::text[], \(claims)::text[]) AS r(key, claim)
            WHERE o.key = r.key AND o.claim = r.claim AND o.state = 'sending'
            """)
    }

    /// One transaction, so one commit (`synchronous_commit = on`) for the whole group: the outcomes
    /// travel as one JSON array, each applied only through the claim that holds its row.
    public func record(_ outcomes: [LedgerOutcome], now: Date) throws -> [Bool] {
        guard !outcomes.isEmpty else { return [] }
        // A key twice in one statement would update its row once, with either value: the later
        // ones go in a statement of their own, after the first (where their claim is then gone).
        var seen = Set<String>()
        let first = outcomes.indices.filter { seen.insert(outcomes[$0].claimed.key).inserted }
        let rows: [[String: Any]] = first.map { index in
            let outcome = outcomes[index]
            var reply: String?, error: String?, kind: String?, next: Date?
            switch outcome.transition {
            case .sent(let text): reply = text
            case .retry(let at, let text, let failure): next = at; error = text; kind = failure.rawValue
            case .failed(let text, let failure): error = text; kind = failure.rawValue
            case .expired(let text, let failure): error = text; kind = failure?.rawValue
            }
            return ["key": outcome.claimed.key, "claim": outcome.claimed.claim ?? NSNull(), "state": outcome.transition.target.rawValue,
                    "reply": reply ?? NSNull(), "error": error ?? NSNull(), "kind": kind ?? NSNull(),
                    "next": next.map { $0.timeIntervalSince1970 } ?? NSNull()]
        }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: rows), as: UTF8.self)
        let sources = LedgerState.sqlList(LedgerTransition.outcomeSources)
        let recorded = Set(try lockingInKeyOrder(first.map { outcomes[$0].claimed.key }, """
                UPDATE outreachd.outbox o SET state = r.state, reply = COALESCE(r.reply, o.reply), last_error = COALESCE(r.error, o.last_error),
                  failure_class = COALESCE(r.kind, o.failure_class), next_attempt_at = to_timestamp(r.next), claim = NULL, lease_until = NULL,
                  updated_at = \(now)
                FROM jsonb_to_recordset(\(json)::jsonb) AS r(key text, claim text, state text, reply text, error text, kind text, next float8)
                WHERE o.key = r.key AND o.state IN \(unescaped: sources) AND o.claim IS NOT DISTINCT FROM r.claim
                RETURNING o.key
                """).map { row in try decoding { try row.decode(String.self) } })
        let firsts = Set(first)
        let rest = outcomes.indices.filter { !firsts.contains($0) }
        var later = try record(rest.map { outcomes[$0] }, now: now)[...]
        return outcomes.indices.map { firsts.contains($0) ? recorded.contains(outcomes[$0].claimed.key) : later.removeFirst() }
    }

    @discardableResult
    public func expireOverdue(now: Date) throws -> Int {
        try count(run("""
                WITH expired AS (
                  UPDATE outreachd.outbox SET state = 'expired', next_attempt_at = NULL, updated_at = \(now),
                    last_error = COALESCE(last_error || '; ', '') || 'max_lateness passed before it could be delivered'
                  WHERE state IN ('queued', 'retry') AND deadline < \(now) RETURNING 1)
                SELECT count(*) FROM expired
                """))
    }

    public func pendingCount() throws -> Int {
        try count(run("SELECT count(*) FROM outreachd.outbox WHERE state IN \(unescaped: LedgerState.sqlList(LedgerState.waitingStates))"))
    }

    public func item(key: String) throws -> OutboxItem? {
        try run("SELECT * FROM outreachd.outbox WHERE key = \(key)").first.map(item)
    }

    // MARK: Decoding

    /// What `body` decodes; a value of the wrong type is a damaged row.
    func decoding<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw LedgerError.damaged(location, "a value cannot be read (\(error))") }
    }

    /// The first column of the first row as a count.
    func count(_ rows: [PostgresRow]) throws -> Int {
        guard let row = rows.first else { return 0 }
        return try decoding { try row.decode(Int.self) }
    }

    /// A stored state; anything else is a damaged row, never read as some other state.
    func state(_ text: String, row: String) throws -> LedgerState {
        guard let state = LedgerState(rawValue: text) else {
            throw LedgerError.damaged(location, "\(row) has state \"\(text)\", which is none of \(LedgerState.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return state
    }

    /// A row as an item; a NULL where a value belongs or an unknown state is a damaged row.
    func item(_ row: PostgresRow) throws -> OutboxItem {
        let r = row.makeRandomAccess()
        let key = (try? r["key"].decode(String.self)) ?? "?"
        let location = location
        func value<T: PostgresDecodable>(_ column: String, _ type: T.Type) throws -> T {
            do { return try r[column].decode(T.self) } catch { throw LedgerError.damaged(location, "row \(key): \(column) cannot be read") }
        }
        var item = OutboxItem(key: key, rule: try value("rule", String.self), customerID: try value("customer_id", String.self),
                              channel: try value("channel", String.self), recipient: try value("recipient", String.self),
                              recipientName: try value("recipient_name", String?.self), subject: try value("subject", String?.self),
                              body: try value("body", String.self), locale: try value("locale", String.self),
                              customerJSON: try value("customer_json", String.self),
                              state: try state(try value("state", String.self), row: "row \(key)"),
                              dueAt: try value("due_at", Date.self), deadline: try value("deadline", Date.self),
                              queuedAt: try value("queued_at", Date.self), updatedAt: try value("updated_at", Date.self),
                              attempts: try value("attempts", Int.self), nextAttemptAt: try value("next_attempt_at", Date?.self),
                              lastError: try value("last_error", String?.self), reply: try value("reply", String?.self))
        item.failureClass = try value("failure_class", String?.self).flatMap(FailureClass.init(rawValue:))
        item.claim = try value("claim", String?.self)
        item.erasedAt = try value("erased_at", Date?.self)
        return item
    }
}
