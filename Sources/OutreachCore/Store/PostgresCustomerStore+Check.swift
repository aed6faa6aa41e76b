import Foundation
import PostgresNIO

extension PostgresCustomerStore {
    /// PostgreSQL's plan for each tick query, one line per plan node, with sequential scans off in
    /// that session, so an index that can serve a query is always the one chosen: a `Seq Scan`
    /// left in a plan means no index can.
    public func queryPlans() throws(PostgresError) -> [(sql: String, plan: [String])] {
        let planned = queries.planned
        return try pool.withConnection { connection in
            _ = try await connection.query("BEGIN", logger: PostgresPool.logger)
            do {
                _ = try await connection.query("SET LOCAL enable_seqscan = off", logger: PostgresPool.logger)
                var plans: [(sql: String, plan: [String])] = []
                for query in planned {
                    let explain = PostgresStoreQueries.Planned(sql: "EXPLAIN " + query.sql, binds: query.binds, index: query.index).query
                    var lines: [String] = []
                    for try await row in try await connection.query(explain, logger: PostgresPool.logger) {
                        lines.append(try row.decode(String.self))
                    }
                    plans.append((query.sql, lines))
                }
                _ = try await connection.query("ROLLBACK", logger: PostgresPool.logger)
                return plans
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: PostgresPool.logger)
                throw error
            }
        }
    }

    /// `check`'s view of the store: missing tables and columns, types no query can serve, and for
    /// each tick query still reading a whole table, the `CREATE INDEX` statement it needs; each as
    /// `file:line` of `[store] url`.
    public func schemaDiagnostics(file: String, line: Int?) -> [Diagnostic] {
        let url = pool.settings.url
        guard problems.isEmpty else { return problems.map { Diagnostic(file: file, line: line, "\(url): \($0)") } }
        let plans: [(sql: String, plan: [String])]
        do { plans = try queryPlans() } catch { return [Diagnostic(file: file, line: line, "\(error)")] }
        var diagnostics: [Diagnostic] = []
        var reported: Set<String> = []
        for (query, plan) in zip(queries.planned, plans) {
            let scanned = plan.plan.compactMap { line -> String? in
                guard let range = line.range(of: "Seq Scan on ") else { return nil }
                return String(line[range.upperBound...].prefix { !$0.isWhitespace })
            }
            guard !scanned.isEmpty, reported.insert(query.index.name).inserted else { continue }
            var message = "\(url): no index serves \(query.index.purpose), so every tick would read all of \(query.index.table); \(query.index.statement);"
            if let relation = schema.relations[query.index.table], relation.kind != "table" {
                message += " \(query.index.table) is a \(relation.kind): create the index on the table it reads (the plan reads "
                    + "\(Set(scanned).sorted().joined(separator: ", "))), naming that table's own columns"
            }
            diagnostics.append(Diagnostic(file: file, line: line, message))
        }
        return diagnostics
    }

    /// Everything `check` says about `[store] url` when it is a PostgreSQL URL: settings that are
    /// risky (no TLS to another machine, a password in the config), connection problems, and
    /// ``schemaDiagnostics(file:line:)``.
    public static func check(_ configuration: Configuration, environment: [String: String]) -> [Diagnostic] {
        let file = configuration.file, line = configuration.storeLine
        let settings: PostgresSettings
        do {
            settings = try configuration.store.postgresSettings(relativeTo: configuration.folder, environment: environment)
        } catch where error.isCredentialElsewhere {
            return [Diagnostic(file: file, line: line, "store not checked: \(error)", severity: .warning)]
        } catch {
            return [Diagnostic(file: file, line: line, "\(error)")]
        }
        var diagnostics: [Diagnostic] = []
        let url = settings.url
        if !url.isLocal, url.sslMode == .disable || url.sslMode == .prefer {
            diagnostics.append(Diagnostic(file: file, line: line, "\(url): customer data would cross the network without verified TLS; add ?sslmode=verify-full",
                                          severity: .warning))
        }
        if url.password != nil {
            diagnostics.append(Diagnostic(file: file, line: line, "\(url): the url holds a password; move it to password_file (or $PGPASSWORD)", severity: .warning))
        }
        if let warning = settings.passwordWarning { diagnostics.append(Diagnostic(file: file, line: line, warning, severity: .warning)) }
        do {
            let store = try PostgresCustomerStore(settings: settings, requireUsable: false)
            defer { store.close() }
            diagnostics += store.schemaDiagnostics(file: file, line: line)
        } catch {
            diagnostics.append(Diagnostic(file: file, line: line, "\(error)"))
        }
        return diagnostics
    }
}
