/// Why the customer store could not be opened or read.
///
/// Messages name the database file and what to do; they never carry customer data.
public struct StoreError: FileError, Sendable {
    private enum Code: Sendable {
        case missing, unsupported, unreadable, postgres
    }

    private var code: Code
    public var diagnostic: Diagnostic

    private init(_ code: Code, _ file: String, line: Int? = nil, _ reason: String) {
        self.code = code
        self.diagnostic = Diagnostic(file: file, line: line, reason)
    }

    public static func missing(_ path: String) -> StoreError {
        StoreError(.missing, path, "the database does not exist (run `outreachd init` to create it)")
    }

    /// A setting outreachd cannot serve (yet), in the file that asks for it.
    public static func unsupported(_ file: String, _ what: String) -> StoreError {
        StoreError(.unsupported, file, what)
    }

    public static func unreadable(_ path: String, _ underlying: Error) -> StoreError {
        StoreError(.unreadable, path, DatabaseProblem.describe(underlying, path: path, role: .store))
    }

    /// A PostgreSQL store that cannot be used, at the line of `[store] url` in the config `file`.
    public static func postgres(_ file: String, line: Int?, _ error: PostgresError) -> StoreError {
        StoreError(.postgres, file, line: line, "[store] url \(error)")
    }
}
