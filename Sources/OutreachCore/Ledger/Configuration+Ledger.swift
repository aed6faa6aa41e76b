/// How a command may use the ledger.
public enum LedgerAccess: Sendable {
    /// `init`: creates the ledger when missing and migrates it. Only `init` (and the demo) may.
    case create
    /// `suppress`: the ledger must exist and hold outreachd's tables; an older schema is migrated.
    case write
    /// `run`: as `write`, for delivering from it (SQLite: the one process, under a file lock).
    case deliver
    /// `preview`, `status`, `check`: nothing is created, migrated or written.
    case read
}

import Foundation

extension Configuration {
    /// The ledger `[state] url` names, opened for `access`: the one place a backend is chosen.
    ///
    /// PostgreSQL errors that are about reaching the database (refused, login, a bad URL) name the
    /// config file and the line of `[state] url`; the password is never shown.
    public func openLedger(_ access: LedgerAccess, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> any Ledger {
        switch state.kind {
        case .sqlite:
            return try SQLiteLedger(path: state.location, access: access)
        case .postgres:
            let settings: PostgresSettings
            do { settings = try state.postgresSettings(relativeTo: folder, environment: environment) } catch {
                throw LedgerError.configuration(file, line: stateLine, "[state] url \(error)")
            }
            do { return try PostgresLedger(settings, access: access, lease: lease) } catch let error as PostgresError {
                throw LedgerError.configuration(file, line: stateLine, "[state] url \(error)")
            }
        }
    }
}
