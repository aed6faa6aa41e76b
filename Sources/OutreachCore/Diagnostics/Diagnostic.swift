/// One problem a person must fix, printed as `FILE:LINE: message`.
///
/// `check` collects every diagnostic it finds and prints them all; commands that cannot go on
/// throw ``DiagnosticError`` with the ones that stopped them. A warning (a secret file others can
/// read) is printed the same way but stops nothing.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Whether the problem stops `check` (exit 1) and start-up, or is only worth knowing.
    public enum Severity: Sendable, Hashable {
        case error, warning
    }

    public var file: String
    /// The 1-based line, or `nil` when the problem is the file as a whole.
    public var line: Int?
    public var message: String
    /// Defaults to `error`.
    public var severity: Severity

    public init(file: String, line: Int?, _ message: String, severity: Severity = .error) {
        self.file = file
        self.line = line
        self.message = message
        self.severity = severity
    }

    public var isError: Bool { severity == .error }

    public var description: String {
        let text = severity == .warning ? "warning: " + message : message
        if let line { return "\(file):\(line): \(text)" }
        return "\(file): \(text)"
    }
}

/// Problems that stop a command, each naming its file and line.
public struct DiagnosticError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// An error about one file as a whole (a database), which `check` lists as a diagnostic of that file.
public protocol FileError: Error, CustomStringConvertible {
    /// The file, and what is wrong with it and what to do.
    var diagnostic: Diagnostic { get }
}

extension FileError {
    public var description: String { diagnostic.description }
}
