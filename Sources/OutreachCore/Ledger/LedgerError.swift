/// Why the ledger could not be opened or used.
///
/// A missing or empty ledger is never created behind the operator's back: without it outreachd
/// cannot know what it already sent, and a fresh one would send every due message again.
public struct LedgerError: FileError, Sendable {
    private enum Code: Sendable {
        case missing, empty, replaced, outdated, damaged, locked, busy, configuration, database
    }

    private var code: Code
    public var diagnostic: Diagnostic

    private init(_ code: Code, _ file: String, line: Int? = nil, _ reason: String) {
        self.code = code
        self.diagnostic = Diagnostic(file: file, line: line, reason)
    }

    /// `[state]` cannot be used as written (a PostgreSQL URL or password), at its line of the config.
    static func configuration(_ file: String, line: Int?, _ reason: String) -> LedgerError {
        LedgerError(.configuration, file, line: line, reason)
    }

    /// What an operator who lost the ledger must hear before creating a new one.
    private static let lostAdvice = "If this is a new installation, run `outreachd init` to create it. If it existed before "
        + "(deleted, emptied, or a new disk), restore it from a backup first: a new ledger does not know what was already sent, "
        + "and every message still due would go out a second time."

    /// The file does not exist.
    public static func missing(_ path: String) -> LedgerError {
        LedgerError(.missing, path, "the state database does not exist. " + lostAdvice)
    }

    /// The file exists but holds no ledger (zero bytes, or no outreachd tables).
    public static func empty(_ path: String) -> LedgerError {
        LedgerError(.empty, path, "the state database is empty (it holds no ledger). " + lostAdvice)
    }

    /// The file was replaced while a daemon had it open.
    public static func replaced(_ path: String) -> LedgerError {
        LedgerError(.replaced, path, "the state database was replaced while outreachd had it open; nothing more is sent until it is restarted "
            + "(restart it to use the file now there, or put the previous file back)")
    }

    /// A ledger from an older version, opened where nothing may be written.
    public static func outdated(_ path: String) -> LedgerError {
        LedgerError(.outdated, path, "the state database is from an older outreachd; run `outreachd init` to migrate it (its records are kept)")
    }

    /// A row the ledger cannot read back (a value of the wrong type, an unknown state).
    public static func damaged(_ path: String, _ what: String) -> LedgerError {
        LedgerError(.damaged, path, "the state database holds a row outreachd cannot read (\(what)); restore it from a backup or repair the row")
    }

    /// Another process delivers from this ledger (or its lock file cannot be used).
    static func locked(_ path: String, _ reason: String) -> LedgerError {
        LedgerError(.locked, path, reason)
    }

    /// A step that needs the ledger to itself for a moment did not get it (another process kept
    /// reading); `reason` says what is left undone and what to do.
    static func busy(_ path: String, _ reason: String) -> LedgerError {
        LedgerError(.busy, path, reason)
    }

    /// PostgreSQL failed (unreachable, login refused, connection lost); the reason is one line.
    static func postgres(_ underlying: Error) -> LedgerError {
        if let error = underlying as? LedgerError { return error }
        if let error = underlying as? PostgresError { return LedgerError(.database, error.url, error.reason) }
        return LedgerError(.database, "PostgreSQL", "\(underlying)")
    }

    /// SQLite failed; the description says what to do about the file.
    static func database(_ path: String, _ underlying: Error) -> LedgerError {
        if let error = underlying as? LedgerError { return error }
        return LedgerError(.database, path, DatabaseProblem.describe(underlying, path: path, role: .ledger))
    }

    /// Whether the ledger is missing or empty: the two cases where only the operator may decide.
    public var isLost: Bool { code == .missing || code == .empty }
}
