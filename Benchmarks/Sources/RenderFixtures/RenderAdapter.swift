import OutreachCore

/// The one place the benchmark calls outreachd's renderer.
///
/// Today that is ``TemplateSet/render(_:configuration:)``, which also works out the message's
/// values (first name, dates and amounts formatted for the locale) on every call. When a
/// lower-level "render prepared values" entry point lands, prepare the values in ``prepare(_:)``
/// (outside the timed loop) and call it from ``render(_:)``: nothing else changes.
public struct RenderAdapter: Sendable {
    /// What ``render(_:)`` takes: today the occurrence itself.
    public typealias Prepared = Occurrence

    public let templates: TemplateSet
    public let configuration: Configuration

    public init(_ fixtures: RenderFixtures) {
        templates = fixtures.templates
        configuration = fixtures.configuration
    }

    /// Done once per case, before timing.
    public func prepare(_ renderCase: RenderCase) -> Prepared { renderCase.occurrence }

    /// The timed call: one message, subject and body.
    @inline(never)
    public func render(_ prepared: Prepared) throws -> RenderedMessage {
        try templates.render(prepared, configuration: configuration)
    }
}
