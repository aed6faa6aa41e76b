import Foundation

/// Opens the customer store `[store] url` names, for reading: the one place a URL becomes a store.
///
/// Errors name the config file and the line of `[store] url` for PostgreSQL (the URL without its
/// password), the database file for SQLite.
public func openStore(_ configuration: Configuration, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any CustomerStore {
    switch configuration.store.kind {
    case .sqlite:
        return try SQLiteCustomerStore(path: configuration.store.location)
    case .postgres:
        do {
            let settings = try configuration.store.postgresSettings(relativeTo: configuration.folder, environment: environment)
            return try PostgresCustomerStore(settings: settings)
        } catch {
            throw StoreError.postgres(configuration.file, line: configuration.storeLine, error)
        }
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
