/// Where a database lives: `sqlite:customers.db` (relative to the config file's folder) or `postgres://…`.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable { case sqlite, postgres }

    public var kind: Kind
    /// For SQLite an absolute file path; for PostgreSQL the URL as written.
    public var location: String
    /// For PostgreSQL: `password_file` of the same table, absolute. Defaults to none (then the
    /// URL's password, else `$PGPASSWORD`).
    public var passwordFile: String?

    public init(kind: Kind, location: String, passwordFile: String? = nil) {
        self.kind = kind
        self.location = location
        self.passwordFile = passwordFile
    }

    /// The PostgreSQL URL, parsed; `nil` for SQLite. Relative `sslrootcert` paths resolve against `base`.
    public func postgres(relativeTo base: String) -> Result<PostgresURL, InvalidValue>? {
        kind == .postgres ? PostgresURL.parse(location, relativeTo: base) : nil
    }

    public static func sqlite(_ path: String) -> DatabaseURL { DatabaseURL(kind: .sqlite, location: path) }

    /// Parses `sqlite:PATH`, `sqlite://PATH` or `postgres(ql)://…`; relative SQLite paths resolve against `base`.
    public init?(parsing text: String, relativeTo base: String) {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self.init(kind: .postgres, location: text)
            return
        }
        guard text.hasPrefix("sqlite:") else { return nil }
        var path = String(text.dropFirst("sqlite:".count))
        if path.hasPrefix("//") { path = String(path.dropFirst(2)) }
        guard !path.isEmpty else { return nil }
        self.init(kind: .sqlite, location: Paths.resolve(path, relativeTo: base))
    }

    public var description: String {
        switch kind {
        case .sqlite: return "sqlite:\(location)"
        case .postgres: return (try? PostgresURL.parse(location).get())?.description ?? Paths.redactingPassword(location)
        }
    }
}

/// Path helpers shared by the config and the commands.
public enum Paths {
    /// `path` if absolute, else `base/path`.
    public static func resolve(_ path: String, relativeTo base: String) -> String {
        if path.hasPrefix("/") { return path }
        return (base.hasSuffix("/") ? base : base + "/") + path
    }

    /// The folder holding `file` (`.` when it has none).
    public static func folder(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return slash == file.startIndex ? "/" : String(file[..<slash])
    }

    /// A URL with any `user:password@` reduced to `user@`, for messages and logs.
    public static func redactingPassword(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url.range(of: "@", range: scheme.upperBound..<url.endIndex),
              let colon = url.range(of: ":", range: scheme.upperBound..<at.lowerBound) else { return url }
        return String(url[..<colon.lowerBound]) + String(url[at.lowerBound...])
    }
}
