/// One message with its template found and its values formatted: what is left to do is filling
/// in the template, which ``render()`` does without looking anything up or formatting anything.
///
/// Made by ``TemplateSet/prepare(_:configuration:)``; ``TemplateSet/render(_:configuration:)``
/// is the two steps at once. Benchmarks prepare once and time ``render()``.
public struct PreparedMessage: Sendable {
    let template: TemplateSet.Template
    let values: MessageValues

    /// The template file the message is rendered from.
    public var templatePath: String { template.path }

    /// The subject and body: the same message ``TemplateSet/render(_:configuration:)`` gives.
    public func render() throws(RenderError) -> RenderedMessage {
        try template.render(values)
    }
}
