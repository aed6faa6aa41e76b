import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import _ConnectionPoolModule

/// Why a PostgreSQL database could not be used, in one line that names the URL (never its
/// password) and what to do.
///
/// postgres-nio's own errors print a generic text on purpose (they may hold query data); this
/// type keeps what an operator needs: the server's message for refused logins and missing
/// objects, the socket error for a connection that failed.
public struct PostgresError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case invalidURL, password, credentialElsewhere, unreachable, authentication, missingDatabase, missingTable, missingColumn, columnType, tls
        case connectionLost, timeout, closed, query
    }

    private var code: Code
    /// The URL without its password.
    public var url: String
    /// What went wrong, after the URL.
    public var reason: String

    private init(_ code: Code, _ url: String, _ reason: String) {
        self.code = code
        self.url = url
        self.reason = reason
    }

    public var description: String { "\(url): \(reason)" }

    public static func invalidURL(_ url: String, _ reason: String) -> PostgresError {
        PostgresError(.invalidURL, Paths.redactingPassword(url), reason)
    }
    /// The password could not be read (`password_file`, `PGPASSWORD`).
    public static func password(_ url: PostgresURL, _ reason: String) -> PostgresError { PostgresError(.password, url.description, reason) }
    /// The password file is a systemd credential that only the service can see (`check` from a shell).
    public static func credentialElsewhere(_ url: PostgresURL, _ reason: String) -> PostgresError {
        PostgresError(.credentialElsewhere, url.description, reason)
    }
    /// No connection: refused, no such host, no answer, no socket.
    public static func unreachable(_ url: PostgresURL, _ reason: String) -> PostgresError { PostgresError(.unreachable, url.description, reason) }
    public static func authentication(_ url: PostgresURL, _ reason: String) -> PostgresError { PostgresError(.authentication, url.description, reason) }
    public static func missingDatabase(_ url: PostgresURL, _ reason: String) -> PostgresError { PostgresError(.missingDatabase, url.description, reason) }
    public static func missingTable(_ url: PostgresURL, _ reason: String) -> PostgresError { PostgresError(.missingTable, url.description, reason) }
    public static func missingColumn(_ url: PostgresURL, _ reason: String) -> PostgresError { PostgresError(.missingColumn, url.description, reason) }
    /// A column whose type no query can serve (`timestamp without time zone` for a time, say).
    public static func columnType(_ url: PostgresURL, _ reason: String) -> PostgresError { PostgresError(.columnType, url.description, reason) }
    public static func tls(_ url: PostgresURL, _ reason: String) -> PostgresError { PostgresError(.tls, url.description, reason) }
    /// The connection broke during a call (a server restart, a network cut).
    public static func connectionLost(_ url: PostgresURL, _ reason: String) -> PostgresError { PostgresError(.connectionLost, url.description, reason) }
    public static func timeout(_ url: PostgresURL, _ reason: String) -> PostgresError { PostgresError(.timeout, url.description, reason) }
    /// The pool was shut down (the store was closed).
    public static func closed(_ url: PostgresURL) -> PostgresError { PostgresError(.closed, url.description, "the connection pool is closed") }
    /// The server refused a query.
    public static func query(_ url: PostgresURL, _ reason: String) -> PostgresError { PostgresError(.query, url.description, reason) }

    /// Whether the server could not be reached or logged into at all (as opposed to a query it refused).
    public var isConnectionProblem: Bool {
        [.unreachable, .authentication, .missingDatabase, .tls, .connectionLost, .timeout].contains(code)
    }
    /// The password is a systemd credential this process cannot see; only the service can check it.
    public var isCredentialElsewhere: Bool { code == .credentialElsewhere }
    public var isMissingTable: Bool { code == .missingTable }
    public var isMissingColumn: Bool { code == .missingColumn }
    public var isAuthentication: Bool { code == .authentication }
    public var isUnreachable: Bool { code == .unreachable }
    public var isTLS: Bool { code == .tls }
    public var isConnectionLost: Bool { code == .connectionLost }
    public var isTimeout: Bool { code == .timeout }

    /// `error`, from postgres-nio, NIO or the pool, said for `url`.
    static func from(_ error: any Error, url: PostgresURL) -> PostgresError {
        if let error = error as? PostgresError { return error }
        if let error = error as? PSQLError { return from(error, url: url) }
        if let error = error as? ConnectionPoolError {
            if error == .connectionCreationCircuitBreakerTripped {
                return .unreachable(url, "no connection could be made for a minute; the pool retries in the background")
            }
            if error == .poolShutdown { return .closed(url) }
            if error == .requestCancelled { return .timeout(url, "the call was given up") }
        }
        if let error = error as? NIOConnectionError {
            if let failure = error.connectionErrors.first { return from(failure.error, url: url) }
            return .unreachable(url, "the host name \(url.host) could not be resolved")
        }
        if let error = error as? IOError {
            switch error.errnoCode {
            case ECONNREFUSED:
                return .unreachable(url, url.isUnixSocket ? "connection refused on \(url.unixSocketPath) (is the server running?)"
                                                         : "connection refused (is the server running and accepting TCP connections on \(url.host):\(url.port)?)")
            case ENOENT where url.isUnixSocket:
                return .unreachable(url, "no server socket at \(url.unixSocketPath) (is the server running, with that port?)")
            case ETIMEDOUT, EHOSTUNREACH, ENETUNREACH:
                return .unreachable(url, "\(url.host):\(url.port) cannot be reached (\(String(cString: strerror(error.errnoCode))))")
            default:
                return .unreachable(url, String(cString: strerror(error.errnoCode)))
            }
        }
        if let error = error as? ChannelError, error == .connectTimeout(.seconds(Int64(url.connectTimeout))) || "\(error)".hasPrefix("connectTimeout") {
            return .unreachable(url, "no answer from \(url.host):\(url.port) within \(url.connectTimeout) s (connect_timeout)")
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return .tls(url, "TLS failed: \(oneLine("\(error)"))")
        }
        if error is CancellationError { return .timeout(url, "the call was given up") }
        return .unreachable(url, oneLine(String(describing: error)))
    }

    private static func from(_ error: PSQLError, url: PostgresURL) -> PostgresError {
        switch error.code {
        case .server:
            let state = error.serverInfo?[.sqlState] ?? ""
            let message = oneLine(error.serverInfo?[.message] ?? "the server refused the request")
            switch state {
            case "28P01", "28000":
                let hint = url.password == nil ? " (no password was given: set password_file or PGPASSWORD)" : ""
                return .authentication(url, "login refused: \(message)\(hint)")
            case "3D000":
                return .missingDatabase(url, "\(message) (create it, or fix the database name in the URL)")
            case "42P01":
                return .missingTable(url, message)
            case "42703":
                return .missingColumn(url, message)
            case "57P01", "57P02", "57P03":
                return .connectionLost(url, "the server is shutting down or restarting (\(message)); the next call reconnects")
            case "53300":
                return .unreachable(url, "the server has no connection slot left (\(message))")
            case "57014":
                return .timeout(url, "the server cancelled a query that ran too long (\(message))")
            case "08000", "08003", "08006", "08001", "08004":
                return .connectionLost(url, message)
            default:
                return .query(url, state.isEmpty ? message : "\(message) (SQLSTATE \(state))")
            }
        case .sslUnsupported:
            return .tls(url, "the server does not offer TLS, but sslmode=\(url.sslMode.rawValue) requires it")
        case .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest:
            return .tls(url, "TLS could not be set up\(error.underlying.map { ": " + oneLine("\($0)") } ?? "")")
        case .connectionError:
            if let underlying = error.underlying { return from(underlying, url: url) }
            return .unreachable(url, "the connection could not be made")
        case .serverClosedConnection, .uncleanShutdown:
            if let underlying = error.underlying, underlying is NIOSSLError || underlying is BoringSSLError {
                return .tls(url, "TLS failed: \(oneLine("\(underlying)"))")
            }
            return .connectionLost(url, "the server closed the connection (restarted or stopped?); the next call reconnects")
        case .clientClosedConnection:
            return .connectionLost(url, "the connection was closed")
        case .authMechanismRequiresPassword:
            return .authentication(url, "the server asks for a password, but none was given (set password_file or PGPASSWORD)")
        case .unsupportedAuthMechanism, .saslError:
            return .authentication(url, "login failed: the server's authentication method is not supported (use scram-sha-256, md5 or trust)")
        case .poolClosed:
            return .closed(url)
        case .queryCancelled:
            return .timeout(url, "the call was given up")
        default:
            return .query(url, "the server's reply could not be used (\(error.code))")
        }
    }

    /// Server messages and socket errors on one line.
    static func oneLine(_ text: String) -> String {
        text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
