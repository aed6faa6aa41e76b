import Foundation

/// A PostgreSQL connection URL: `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?PARAMETERS]`.
///
/// `postgresql://` is the same. The host may be a name, an IPv4 address, `[IPv6]`, or a folder
/// holding the server's Unix socket (percent-encoded, `%2Frun%2Fpostgresql`, or as `?host=/run/postgresql`).
/// Parameters: `sslmode` (`disable`, `prefer`, `require`, `verify-ca`, `verify-full`),
/// `sslrootcert` (a CA file, relative to the config file's folder), `connect_timeout` (seconds)
/// and `application_name`; any other parameter is an error, so a typo is not silently ignored.
///
/// ``description`` never shows the password, so the URL can go into messages and logs.
public struct PostgresURL: Sendable, Hashable, CustomStringConvertible {
    /// How the connection uses TLS, as libpq's `sslmode` names it.
    public enum SSLMode: String, Sendable, Hashable, CaseIterable {
        /// No TLS.
        case disable
        /// TLS when the server offers it, without verifying its certificate (libpq's default).
        case prefer
        /// TLS or no connection; the certificate is verified against `sslrootcert` when one is given.
        case require
        /// TLS, and the certificate must chain to `sslrootcert` (or the system's CAs); the name is not checked.
        case verifyCA = "verify-ca"
        /// TLS, the certificate must chain to `sslrootcert` (or the system's CAs) and name the host.
        case verifyFull = "verify-full"
    }

    public var user: String
    /// The password written in the URL, if any (``PostgresSettings`` prefers `password_file`).
    public var password: String?
    /// A host name or address; for a Unix socket, the folder holding it.
    public var host: String
    /// Defaults to 5432.
    public var port: Int
    public var database: String
    /// Defaults to `disable`: the contract asks for TLS only where the URL does (`check` warns about
    /// a host that is not on this machine without it).
    public var sslMode: SSLMode
    /// The CA certificates (PEM) that verify the server, absolute. Defaults to the system's.
    public var sslRootCert: String?
    /// Seconds to wait for a connection. Defaults to 10.
    public var connectTimeout: Int
    /// Shown in `pg_stat_activity`. Defaults to `outreachd`.
    public var applicationName: String

    /// Whether ``host`` is a Unix socket folder.
    public var isUnixSocket: Bool { host.hasPrefix("/") }

    /// The socket file for a Unix socket connection: `HOST/.s.PGSQL.PORT`, as the server names it.
    public var unixSocketPath: String { host + "/.s.PGSQL.\(port)" }

    /// Whether the server is on this machine (a socket or a loopback address), where TLS adds nothing.
    public var isLocal: Bool {
        isUnixSocket || host == "localhost" || host == "::1" || host.range(of: #"^127\.[0-9]+\.[0-9]+\.[0-9]+$"#, options: .regularExpression) != nil
    }

    public init(user: String, password: String? = nil, host: String, port: Int = 5432, database: String, sslMode: SSLMode = .disable,
                sslRootCert: String? = nil, connectTimeout: Int = 10, applicationName: String = "outreachd") {
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
        self.sslMode = sslMode
        self.sslRootCert = sslRootCert
        self.connectTimeout = connectTimeout
        self.applicationName = applicationName
    }

    /// The URL as written, less the password; the form every message uses.
    public var description: String {
        var text = "postgres://" + Self.encode(user) + "@"
        if isUnixSocket {
            text += Self.encode(host)
        } else {
            text += host.contains(":") ? "[\(host)]" : host
        }
        text += ":\(port)/" + Self.encode(database)
        var parameters: [String] = []
        if sslMode != .disable { parameters.append("sslmode=\(sslMode.rawValue)") }
        if let sslRootCert { parameters.append("sslrootcert=\(sslRootCert)") }
        return parameters.isEmpty ? text : text + "?" + parameters.joined(separator: "&")
    }

    /// Parses `text`; relative `sslrootcert` paths resolve against `base`. The failure says what
    /// is wrong without repeating the password.
    public static func parse(_ text: String, relativeTo base: String = "/") -> Result<PostgresURL, InvalidValue> {
        func fail(_ reason: String) -> Result<PostgresURL, InvalidValue> { .failure(InvalidValue(reason)) }
        let shape = "postgres://USER@HOST:PORT/DATABASE"
        guard let schemeEnd = text.range(of: "://"), ["postgres", "postgresql"].contains(text[..<schemeEnd.lowerBound]) else {
            return fail("not a PostgreSQL URL (\(shape))")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else { return fail("the URL names no database (\(shape))") }
        let authority = rest[..<slash]
        guard let database = decode(rest[rest.index(after: slash)...]), !database.isEmpty else { return fail("the URL names no database (\(shape))") }
        guard let at = authority.lastIndex(of: "@") else { return fail("the URL names no user (\(shape))") }
        let userInfo = authority[..<at]
        var hostPort = authority[authority.index(after: at)...]
        var user: String?
        var password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            user = decode(userInfo[..<colon])
            password = decode(userInfo[userInfo.index(after: colon)...])
            guard password != nil else { return fail("the password in the URL has a bad %-escape") }
        } else {
            user = decode(userInfo)
        }
        guard let user, !user.isEmpty else { return fail("the URL names no user (\(shape))") }
        var port = 5432
        var host: String
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { return fail("an IPv6 host needs its closing ]") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            hostPort = hostPort[hostPort.index(after: close)...]
            if !hostPort.isEmpty {
                guard hostPort.hasPrefix(":") else { return fail("unexpected text after the IPv6 host") }
                guard let p = Int(hostPort.dropFirst()), (1...65535).contains(p) else { return fail("the port must be a number from 1 to 65535") }
                port = p
            }
        } else {
            if let colon = hostPort.lastIndex(of: ":") {
                guard let p = Int(hostPort[hostPort.index(after: colon)...]), (1...65535).contains(p) else {
                    return fail("the port must be a number from 1 to 65535")
                }
                port = p
                hostPort = hostPort[..<colon]
            }
            guard let decoded = decode(hostPort) else { return fail("the host has a bad %-escape") }
            host = decoded
        }
        var url = PostgresURL(user: user, password: password, host: host, port: port, database: database)
        for pair in query.split(separator: "&") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let key = decode(parts[0]), let value = decode(parts[1]) else { return fail("the parameter \"\(pair)\" is not NAME=VALUE") }
            switch key {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    return fail("sslmode=\(value) is not one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                url.sslMode = mode
            case "sslrootcert":
                url.sslRootCert = Paths.resolve(value, relativeTo: base)
            case "connect_timeout":
                guard let seconds = Int(value), (1...600).contains(seconds) else { return fail("connect_timeout must be whole seconds from 1 to 600") }
                url.connectTimeout = seconds
            case "application_name":
                url.applicationName = value
            case "host":
                url.host = value
            default:
                return fail("unknown parameter \"\(key)\" (outreachd knows sslmode, sslrootcert, connect_timeout, application_name, host)")
            }
        }
        guard !url.host.isEmpty else { return fail("the URL names no host (\(shape))") }
        if url.sslRootCert != nil, url.sslMode == .disable || url.sslMode == .prefer {
            return fail("sslrootcert is only used with sslmode=require, verify-ca or verify-full")
        }
        if url.isUnixSocket, url.sslMode != .disable, url.sslMode != .prefer {
            return fail("sslmode=\(url.sslMode.rawValue) cannot be used over a Unix socket")
        }
        return .success(url)
    }

    private static func decode(_ text: Substring) -> String? {
        String(text).removingPercentEncoding
    }

    private static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
    }
}
