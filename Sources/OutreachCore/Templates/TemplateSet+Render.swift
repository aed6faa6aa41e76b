import Foundation

extension TemplateSet {
    /// Renders `occurrence` with the template of its rule in the customer's language.
    ///
    /// Fails, rather than printing a blank, when a variable used outside a section has no value
    /// for this customer (say, a purchase with no item), and when data would put a control
    /// character into the subject.
    public func render(_ occurrence: Occurrence, configuration: Configuration) throws(RenderError) -> RenderedMessage {
        try prepare(occurrence, configuration: configuration).render()
    }

    /// The template and the values of `occurrence`'s message (formatted for the customer's
    /// language and zone), for ``PreparedMessage/render()`` to fill in.
    public func prepare(_ occurrence: Occurrence, configuration: Configuration) throws(RenderError) -> PreparedMessage {
        let locale = occurrence.customer.locale ?? configuration.schedule.defaultLocale
        guard let template = template(occurrence.rule.template, locale: locale) else {
            throw RenderError("no template \(occurrence.rule.template).txt in \(folder)")
        }
        return PreparedMessage(template: template, values: layout.values(for: occurrence, configuration: configuration, formats: formats))
    }
}

extension TemplateSet.Template {
    /// The subject and body of this template for `values` (made by this template's set).
    ///
    /// This is the whole of rendering once values are prepared: the check that every variable
    /// printed outside a section has a value, the pieces, the subject trimmed and refused if the
    /// data put a line break or control character into it, and the body's line breaks as LF.
    func render(_ values: MessageValues) throws(RenderError) -> RenderedMessage {
        if let missing = missingVariables(values) {
            throw RenderError("\(path) uses \(missing.map { "{{\($0)}}" }.joined(separator: ", ")), which has no value for this occurrence; not sent (guard it with a {{#…}} section to make it optional)")
        }
        var subject: String?
        if let program = self.subject {
            var text = ""
            text.reserveCapacity(program.literalSize + values.textSize)
            try program.render(values, into: &text)
            text = text.trimmingWhitespace()
            if text.containsLineBreakOrControl {
                throw RenderError("the subject from \(path) would contain a line break or control character taken from the data; refused")
            }
            subject = text
        }
        var body = ""
        body.reserveCapacity(self.body.literalSize + values.textSize)
        try self.body.render(values, into: &body)
        if Self.containsCarriageReturn(body) {
            body = body.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        }
        return RenderedMessage(subject: subject, body: body, template: path)
    }

    /// Whether `text` has a CR, found with `memchr` (a few nanoseconds for a whole letter): almost
    /// no message has one, and rewriting line breaks costs more than rendering.
    private static func containsCarriageReturn(_ text: String) -> Bool {
        text.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.baseAddress.map { memchr($0, 0x0D, bytes.count) != nil } ?? false
        } ?? text.utf8.contains(0x0D)
    }

    /// The variables printed outside any section that have no text in `values`, in name order; `nil` when none.
    private func missingVariables(_ values: MessageValues) -> [String]? {
        guard required.lookups.contains(where: { !values.hasText($0) }) else { return nil }
        return zip(required.names, required.lookups).filter { !values.hasText($1) }.map(\.0)
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
