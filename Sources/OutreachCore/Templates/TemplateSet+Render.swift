import Foundation

extension TemplateSet {
    /// Renders `occurrence` with the template of its rule in the customer's language.
    ///
    /// Fails, rather than printing a blank, when a variable used outside a section has no value
    /// for this customer (say, a purchase with no item), and when data would put a control
    /// character into the subject.
    public func render(_ occurrence: Occurrence, configuration: Configuration) throws(RenderError) -> RenderedMessage {
        try render(occurrence, configuration: configuration, formats: ValueFormats())
    }

    /// The same, with formatted dates and amounts kept in `formats` across messages.
    func render(_ occurrence: Occurrence, configuration: Configuration, formats: ValueFormats) throws(RenderError) -> RenderedMessage {
        var buffer = RenderBuffer()
        let template = try render(occurrence, configuration: configuration, formats: formats, into: &buffer)
        return RenderedMessage(buffer, template: template.path)
    }

    /// Renders `occurrence` into `buffer`; returns the template used.
    func render(_ occurrence: Occurrence, configuration: Configuration, formats: ValueFormats,
                into buffer: inout RenderBuffer) throws(RenderError) -> Template {
        let locale = occurrence.customer.locale ?? configuration.schedule.defaultLocale
        guard let template = template(occurrence.rule.template, locale: locale) else {
            throw RenderError("no template \(occurrence.rule.template).txt in \(folder)")
        }
        try template.render(values(for: occurrence, configuration: configuration, formats: formats), into: &buffer)
        return template
    }
}

/// A rendered subject and body as UTF-8 bytes, reused from message to message so that rendering
/// allocates nothing once the buffers have grown to a message's size.
public struct RenderBuffer: Sendable {
    /// The subject, trimmed; empty when the template has none (see ``hasSubject``).
    public var subject: [UInt8] = []
    public var hasSubject = false
    /// The body, with line breaks as LF.
    public var body: [UInt8] = []

    public init() {}
}

extension RenderedMessage {
    /// The message in `buffer`, from the template at `template`.
    public init(_ buffer: RenderBuffer, template: String) {
        self.init(subject: buffer.hasSubject ? String(decoding: buffer.subject, as: UTF8.self) : nil,
                  body: String(decoding: buffer.body, as: UTF8.self), template: template)
    }
}

extension TemplateSet.Template {
    /// Renders the subject and body of this template for `values` into `buffer` (emptied first).
    ///
    /// This is the whole of rendering once values are prepared: the check that every variable
    /// printed outside a section has a value, the pieces, the subject trimmed and refused if the
    /// data put a line break or control character into it, and the body's line breaks as LF.
    /// `values` must come from the set this template belongs to (``TemplateSet/values(_:)``).
    public func render(_ values: MessageValues, into buffer: inout RenderBuffer) throws(RenderError) {
        precondition(values.layout.companyKeys == layout.companyKeys, "values prepared for another template set")
        var missing: [String] = []
        for (name, lookup) in requiredLookups where !values.hasText(lookup) { missing.append(name) }
        if !missing.isEmpty {
            throw RenderError("\(path) uses \(missing.map { "{{\($0)}}" }.joined(separator: ", ")), which has no value for this occurrence; not sent (guard it with a {{#…}} section to make it optional)")
        }
        buffer.subject.removeAll(keepingCapacity: true)
        buffer.body.removeAll(keepingCapacity: true)
        buffer.hasSubject = subject != nil
        if let subject {
            try subject.render(values, into: &buffer.subject)
            UTF8Text.trimWhitespace(&buffer.subject)
            if UTF8Text.containsLineBreakOrControl(buffer.subject) {
                throw RenderError("the subject from \(path) would contain a line break or control character taken from the data; refused")
            }
        }
        try body.render(values, into: &buffer.body)
        UTF8Text.lineFeeds(&buffer.body)
    }
}

extension MessageValues {
    /// Whether a required variable has a value to print: there, and not empty text.
    func hasText(_ lookup: TemplateProgram.Lookup) -> Bool {
        guard let first = lookup.first, has(first), let found = lookup.found, has(found) else { return false }
        if case .slot(let slot) = found { return slots[slot]?.isEmpty == false }
        return true
    }
}
