/// Where a database lives: `sqlite:customers.db` (relative to the config file's folder) or `postgres://…`.
public struct DatabaseURL: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable { case sqlite, postgres }

    public var kind: Kind
    /// For SQLite an absolute file path; for PostgreSQL the URL as written.
    public var location: String

    public init(kind: Kind, location: String) {
        self.kind = kind
        self.location = location
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
        case .postgres: return "postgres (\(Paths.redactingPassword(location)))"
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
