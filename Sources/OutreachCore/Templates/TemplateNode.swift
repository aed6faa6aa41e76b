/// One piece of a parsed template.
indirect enum TemplateNode: Sendable {
    case text(String)
    case variable(TemplateName)
    case section(TemplateName, inverted: Bool, [TemplateNode])
    /// A partial by name; `indentation` is set when the tag stands alone on its line (then its
    /// text is indented like the tag), `nil` when it is inline.
    case partial(String, indentation: String?)
}
