import Foundation

extension TemplateSet {
    /// Renders `occurrence` with the template of its rule in the customer's language.
    ///
    /// Fails, rather than printing a blank, when a variable used outside a section has no value
    /// for this customer (say, a purchase with no item), and when data would put a control
    /// character into the subject.
    public func render(_ occurrence: Occurrence, configuration: Configuration) throws(RenderError) -> RenderedMessage {
        let locale = occurrence.customer.locale ?? configuration.schedule.defaultLocale
        guard let template = template(occurrence.rule.template, locale: locale) else {
            throw RenderError("no template \(occurrence.rule.template).txt in \(folder)")
        }
        let values = TemplateVariables.values(for: occurrence, configuration: configuration)
        let missing = template.required.filter {
            let v = MessageContext.value($0, in: values)
            return v == nil || (v as? String)?.isEmpty == true
        }
        if !missing.isEmpty {
            throw RenderError("\(template.path) uses \(missing.sorted().map { "{{\($0)}}" }.joined(separator: ", ")), which has no value for this occurrence; not sent (guard it with a {{#…}} section to make it optional)")
        }
        let library = library(locale: template.locale.isEmpty ? nil : template.locale)
        var subject: String?
        if let s = template.subject {
            let rendered = s.render(values, library: library).trimmingCharacters(in: .whitespaces)
            if rendered.containsLineBreakOrControl {
                throw RenderError("the subject from \(template.path) would contain a line break or control character taken from the data; refused")
            }
            subject = rendered
        }
        let body = template.body.render(values, library: library)
            .replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return RenderedMessage(subject: subject, body: body, template: template.path)
    }
}
