import OutreachCore

/// The one place the benchmark calls outreachd's renderer.
///
/// ``prepare(_:)`` works out a message's values once (first name, dates and amounts formatted for
/// the locale: ``TemplateSet/prepare(_:configuration:)``), outside the timed loop; ``render(_:)``
/// is what delivery and preview do per message after that: ``PreparedMessage/render()``.
public struct RenderAdapter: Sendable {
    /// What ``render(_:)`` takes: the message's template with its values.
    public typealias Prepared = PreparedMessage

    public let templates: TemplateSet
    public let configuration: Configuration

    public init(_ fixtures: RenderFixtures) {
        templates = fixtures.templates
        configuration = fixtures.configuration
    }

    /// Done once per case, before timing. The fixtures name shipped templates, so a missing one is
    /// a broken checkout, not a figure.
    public func prepare(_ renderCase: RenderCase) -> Prepared {
        do { return try templates.prepare(renderCase.occurrence, configuration: configuration) } catch {
            fatalError("cannot prepare \(renderCase.name): \(error)")
        }
    }

    /// The timed call: one message, subject and body.
    @inline(never)
    public func render(_ prepared: Prepared) throws -> RenderedMessage {
        try prepared.render()
    }
}
