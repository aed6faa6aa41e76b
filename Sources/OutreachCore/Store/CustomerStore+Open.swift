import Foundation

/// `[store] url` turned into a store: the one place a store backend is chosen.
extension Configuration {
    /// The customer store, for reading.
    ///
    /// Errors name the config file and the line of `[store] url` for PostgreSQL (the URL without
    /// its password), the database file for SQLite.
    public func openStore(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any CustomerStore {
        switch store.kind {
        case .sqlite:
            return try SQLiteCustomerStore(path: store.location)
        case .postgres:
            do {
                let settings = try store.postgresSettings(relativeTo: folder, environment: environment)
                return try PostgresCustomerStore(settings: settings)
            } catch {
                throw StoreError.postgres(file, line: storeLine, error)
            }
        }
    }

    /// Every problem with the store's schema for `check`: missing tables and columns, and for each
    /// tick query that would read a whole table, the index it needs.
    public func storeDiagnostics(environment: [String: String] = ProcessInfo.processInfo.environment) -> [Diagnostic] {
        switch store.kind {
        case .sqlite:
            do {
                return try SQLiteCustomerStore(path: store.location).schemaDiagnostics()
            } catch let error as any FileError {
                return [error.diagnostic]
            } catch {
                return [Diagnostic(file: store.location, line: nil, "\(error)")]
            }
        case .postgres:
            return PostgresCustomerStore.check(self, environment: environment)
        }
    }

    /// `init`'s part for the store: a SQLite store gets its tables and indexes (existing data
    /// kept); a PostgreSQL store holds the business's own tables, which are checked and never
    /// altered. Returns what to tell the operator, with warnings; throws the problems.
    public func prepareStore(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> (summary: String, warnings: [Diagnostic]) {
        switch store.kind {
        case .sqlite:
            _ = try SQLiteCustomerStore.create(path: store.location)
            return ("store \(store.location): schema and indexes in place", [])
        case .postgres:
            let problems = PostgresCustomerStore.check(self, environment: environment)
            let errors = problems.filter(\.isError)
            guard errors.isEmpty else { throw DiagnosticError(errors) }
            return ("store \(store): tables and indexes in place (checked, not changed)", problems)
        }
    }

    /// The store `import` writes into: SQLite only, since a PostgreSQL store's tables belong to the
    /// business and are loaded with its own tools.
    public func openStoreForImport() throws -> SQLiteCustomerStore {
        guard store.kind == .sqlite else {
            throw StoreError.unsupported(file, "import writes SQLite stores only; [store] url is \(store), whose tables belong to "
                                         + "the business: load them with its own tools (psql \\copy, for one)")
        }
        return try SQLiteCustomerStore(path: store.location, readOnly: false)
    }
}

extension DatabaseURL {
    /// The connection settings of a `postgres://` URL: the URL parsed, the password found
    /// (`password_file`, else the URL's, else `$PGPASSWORD` in `environment`).
    public func postgresSettings(relativeTo folder: String, environment: [String: String]) throws(PostgresError) -> PostgresSettings {
        switch postgres(relativeTo: folder) {
        case .success(let url)?:
            return try PostgresSettings.resolve(url: url, passwordFile: passwordFile, environment: environment)
        case .failure(let reason)?:
            throw .invalidURL(location, reason.description)
        case nil:
            throw .invalidURL(location, "not a PostgreSQL URL")
        }
    }
}
