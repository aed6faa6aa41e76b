/// Why a configured value is refused, in words an operator can act on ("hour 25 is not 00–23").
///
/// The parsers that produce it see only the text; ``ConfigurationLoader`` adds the key, the file
/// and the line.
public struct InvalidValue: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
