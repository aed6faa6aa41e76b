/// One `{{…}}` tag of a template with its line, found by ``TemplateTag/scan(_:)``.
///
/// swift-mustache keeps its parsed tokens internal, and strict variables need every name a
/// template uses with its line, so the tags are found here; the Mustache grammar of tags is small.
struct TemplateTag: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case variable, section, invertedSection, close, partial, comment, pragma, unsupported(String)
    }

    var kind: Kind
    var name: String
    var line: Int

    static func scan(_ text: String, firstLine: Int = 1) -> [TemplateTag] {
        var tags: [TemplateTag] = []
        var line = firstLine
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            line += rest[..<open.lowerBound].count { $0 == "\n" }
            let triple = rest[open.upperBound...].hasPrefix("{")
            let bodyStart = triple ? rest.index(after: open.upperBound) : open.upperBound
            guard let close = rest.range(of: triple ? "}}}" : "}}", range: bodyStart..<rest.endIndex) else {
                tags.append(TemplateTag(kind: .unsupported("an unclosed {{ tag"), name: "", line: line))
                break
            }
            let body = rest[bodyStart..<close.lowerBound]
            let tagLine = line
            line += body.count { $0 == "\n" }
            rest = rest[close.upperBound...]
            let trimmed = body.trimmingCharacters(in: .whitespaces)
            if triple {
                tags.append(TemplateTag(kind: .variable, name: trimmed, line: tagLine))
                continue
            }
            guard let sigil = trimmed.first else { continue }
            let name = String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)
            switch sigil {
            case "#": tags.append(TemplateTag(kind: .section, name: name, line: tagLine))
            case "^": tags.append(TemplateTag(kind: .invertedSection, name: name, line: tagLine))
            case "/": tags.append(TemplateTag(kind: .close, name: name, line: tagLine))
            case ">": tags.append(TemplateTag(kind: .partial, name: name, line: tagLine))
            case "!": tags.append(TemplateTag(kind: .comment, name: "", line: tagLine))
            case "%": tags.append(TemplateTag(kind: .pragma, name: name, line: tagLine))
            case "&": tags.append(TemplateTag(kind: .variable, name: name, line: tagLine))
            case "=": tags.append(TemplateTag(kind: .unsupported("changing delimiters ({{=…=}})"), name: "", line: tagLine))
            case "$", "<": tags.append(TemplateTag(kind: .unsupported("template inheritance ({{\(sigil)…}})"), name: "", line: tagLine))
            default: tags.append(TemplateTag(kind: .variable, name: trimmed, line: tagLine))
            }
        }
        return tags
    }
}

import Foundation
