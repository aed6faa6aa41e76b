import Foundation
import NIOCore
import NIOSSL
import PostgresNIO

/// Everything needed to connect to one PostgreSQL database: the URL, the password found for it,
/// and how the pool behaves.
///
/// The password comes from `password_file` when the config sets one, else from the URL, else
/// from `$PGPASSWORD` (explicit before ambient, as libpq orders them); it never appears in a
/// message or ``description``.
public struct PostgresSettings: Sendable, CustomStringConvertible {
    public var url: PostgresURL
    public var password: String?
    /// The most connections open at once. Defaults to 4 (a tick asks one query at a time; the
    /// delivery threads of a ledger may add a few).
    public var maximumConnections = 4
    /// How long one call may take, from asking for a connection to the last row. Defaults to 30 s;
    /// the server is also told (`statement_timeout`), so a query given up does not run on.
    public var callTimeout: Duration = .seconds(30)
    /// How long a call waits for a connection before it checks the server directly, so a server
    /// that is down is reported within about this time instead of after the pool's minute of
    /// retries. Defaults to 1 s.
    public var connectGrace: Duration = .seconds(1)
    /// Session settings sent when each connection starts, after `TimeZone=UTC` (so `timestamptz`
    /// values read back as `…+00:00`) and `application_name`. Defaults to none.
    public var sessionParameters: [(String, String)] = []
    /// A warning about the password (a file others can read), for `check`.
    public var passwordWarning: String?

    public init(url: PostgresURL, password: String?) {
        self.url = url
        self.password = password
    }

    public var description: String { url.description }

    /// Settings for `url` with its password found: `passwordFile` when given, else the URL's, else
    /// `$PGPASSWORD` from `environment`.
    public static func resolve(url: PostgresURL, passwordFile: String?, environment: [String: String]) throws(PostgresError) -> PostgresSettings {
        var password = url.password
        var warning: String?
        do {
            if let passwordFile {
                let secret = try Secret.read(file: passwordFile, variable: "PGPASSWORD", environment: environment)
                password = secret?.value
                warning = secret?.warning
            } else if password == nil, let secret = try Secret.read(file: nil, variable: "PGPASSWORD", environment: environment) {
                password = secret.value
            }
        } catch {
            throw error.outsideService ? .credentialElsewhere(url, error.description) : .password(url, error.description)
        }
        var settings = PostgresSettings(url: url, password: password)
        settings.passwordWarning = warning
        return settings
    }

    /// What every connection sends at start-up.
    var startupParameters: [(String, String)] {
        let timeout = callTimeout.components.seconds * 1000 + callTimeout.components.attoseconds / 1_000_000_000_000_000
        return [("TimeZone", "UTC"), ("application_name", url.applicationName), ("statement_timeout", "\(timeout)")] + sessionParameters
    }

    /// TLS as `sslmode` asks; `nil` for `disable`.
    private func tlsConfiguration() throws(PostgresError) -> TLSConfiguration? {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let file = url.sslRootCert {
            guard FileManager.default.isReadableFile(atPath: file) else {
                throw .tls(url, "sslrootcert \(file) cannot be read (\(FileManager.default.fileExists(atPath: file) ? "permission denied" : "no such file"))")
            }
            tls.trustRoots = .file(file)
        }
        switch url.sslMode {
        case .disable: return nil
        case .prefer: tls.certificateVerification = .none
        case .require: tls.certificateVerification = url.sslRootCert == nil ? .none : .noHostnameVerification
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        return tls
    }

    /// The pool's configuration.
    func clientConfiguration() throws(PostgresError) -> PostgresClient.Configuration {
        var configuration: PostgresClient.Configuration
        if url.isUnixSocket {
            configuration = PostgresClient.Configuration(unixSocketPath: url.unixSocketPath, username: url.user, password: password, database: url.database)
        } else {
            let tls: PostgresClient.Configuration.TLS
            switch (url.sslMode, try tlsConfiguration()) {
            case (_, nil): tls = .disable
            case (.prefer, let config?): tls = .prefer(config)
            case (_, let config?): tls = .require(config)
            }
            configuration = PostgresClient.Configuration(host: url.host, port: url.port, username: url.user, password: password,
                                                         database: url.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(url.connectTimeout)
        configuration.options.maximumConnections = maximumConnections
        configuration.options.minimumConnections = 0
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }

    /// One connection's configuration, for the direct check that tells why the pool cannot connect.
    func connectionConfiguration() throws(PostgresError) -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if url.isUnixSocket {
            configuration = PostgresConnection.Configuration(unixSocketPath: url.unixSocketPath, username: url.user, password: password, database: url.database)
        } else {
            let tls: PostgresConnection.Configuration.TLS
            do {
                switch (url.sslMode, try tlsConfiguration()) {
                case (_, nil): tls = .disable
                case (.prefer, let config?): tls = .prefer(try NIOSSLContext(configuration: config))
                case (_, let config?): tls = .require(try NIOSSLContext(configuration: config))
                }
            } catch let error as PostgresError {
                throw error
            } catch {
                throw .tls(url, "the TLS settings cannot be used: \(PostgresError.oneLine("\(error)"))")
            }
            configuration = PostgresConnection.Configuration(host: url.host, port: url.port, username: url.user, password: password,
                                                             database: url.database, tls: tls)
        }
        configuration.options.connectTimeout = .seconds(Int64(url.connectTimeout))
        configuration.options.additionalStartupParameters = startupParameters
        return configuration
    }
}
