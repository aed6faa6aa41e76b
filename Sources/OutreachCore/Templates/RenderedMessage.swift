/// A message ready for a channel: what `preview` prints and delivery sends.
public struct RenderedMessage: Sendable, Hashable {
    /// `nil` for templates without a header block (e.g. SMS).
    public var subject: String?
    public var body: String
    /// The template file used.
    public var template: String

    public init(subject: String?, body: String, template: String) {
        self.subject = subject
        self.body = body
        self.template = template
    }
}

/// Why one occurrence's message could not be rendered; the occurrence is skipped with this reason.
public struct RenderError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
