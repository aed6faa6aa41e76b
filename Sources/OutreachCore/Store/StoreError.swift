/// Why the customer store could not be opened or read.
///
/// Messages name the database file and what to do; they never carry customer data.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case missing, unsupported, unreadable
    }

    private var code: Code
    public var description: String

    public static func missing(_ path: String) -> StoreError {
        StoreError(code: .missing, description: "\(path): the database does not exist (run `outreachd init` to create it)")
    }

    public static func unsupported(_ what: String) -> StoreError {
        StoreError(code: .unsupported, description: what)
    }

    public static func unreadable(_ path: String, _ underlying: Error) -> StoreError {
        StoreError(code: .unreadable, description: "\(path): \(underlying)")
    }
}
