/// One `{{…}}` tag of a template with its line, found by ``TemplateScan``.
///
/// Strict variables need every name a template uses with its line, so the tags are found here,
/// apart from ``TemplateParser`` (which keeps no lines); the Mustache grammar of tags is small.
struct TemplateTag: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case variable, section, invertedSection, close, partial, comment, pragma
    }

    var kind: Kind
    var name: String
    var line: Int
}
