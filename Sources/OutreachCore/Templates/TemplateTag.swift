/// One `{{…}}` tag of a template with its line, found by ``TemplateScan``.
///
/// swift-mustache keeps its parsed tokens internal, and strict variables need every name a
/// template uses with its line, so the tags are found here; the Mustache grammar of tags is small.
struct TemplateTag: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case variable, section, invertedSection, close, partial, comment, pragma
    }

    var kind: Kind
    var name: String
    var line: Int
}
