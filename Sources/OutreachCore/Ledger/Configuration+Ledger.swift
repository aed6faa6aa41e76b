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

extension Configuration {
    /// The ledger `[state] url` names, opened for `access`: the one place a backend is chosen.
    public func openLedger(_ access: LedgerAccess) throws -> any Ledger {
        switch state.kind {
        case .sqlite:
            return try SQLiteLedger(path: state.location, access: access)
        case .postgres:
            throw StoreError.unsupported(file, "[state] url: PostgreSQL state databases are not supported yet; use sqlite:PATH")
        }
    }
}
