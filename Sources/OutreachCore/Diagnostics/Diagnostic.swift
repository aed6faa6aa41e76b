/// One problem a person must fix, printed as `FILE:LINE: message`.
///
/// `check` collects every diagnostic it finds and prints them all; commands that cannot go on
/// throw ``DiagnosticError`` with the ones that stopped them.
public struct Diagnostic: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// The 1-based line, or `nil` when the problem is the file as a whole.
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Problems that stop a command, each naming its file and line.
public struct DiagnosticError: Error, Sendable, CustomStringConvertible {
    public var diagnostics: [Diagnostic]

    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }
    public init(_ diagnostic: Diagnostic) { self.diagnostics = [diagnostic] }

    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}
