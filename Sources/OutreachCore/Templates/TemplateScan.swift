/// The tags of a template text and its first syntax problem, found in one pass over its UTF-8 bytes.
///
/// It follows swift-mustache's grammar for tags (which ``TemplateParser`` keeps), so that what it
/// passes parses there too, and what it refuses gets a message saying what is wrong at the tag's
/// line (the parser itself says only "a tag is never closed" for one left open at the end of the file). Linear in the text's length: the
/// earlier scanner searched with Foundation's `range(of:)` on a `Substring`, which copied the rest
/// of the text at every tag.
struct TemplateScan: Sendable {
    /// A syntax error: what is wrong, on which line.
    struct Problem: Error, Sendable, Hashable {
        var line: Int
        var message: String
    }

    /// Every tag up to the first problem, in text order.
    private(set) var tags: [TemplateTag] = []
    /// The first problem; scanning stops there.
    private(set) var problem: Problem?

    init(_ text: String, firstLine: Int = 1) {
        var cursor = Cursor(bytes: Array(text.utf8), line: firstLine)
        var open: [TemplateTag] = []
        while problem == nil, let tag = cursor.nextTag(problem: &problem) {
            switch tag.kind {
            case .section, .invertedSection:
                open.append(tag)
            case .close:
                guard let top = open.popLast() else {
                    problem = Problem(line: tag.line, message: "{{/\(tag.name)}} closes a section that was never opened")
                    break
                }
                if top.name != tag.name {
                    problem = Problem(line: tag.line, message: "{{/\(tag.name)}} does not match the open section \(Self.opening(top)) of line \(top.line): close that with {{/\(top.name)}}")
                }
            default:
                break
            }
            tags.append(tag)
        }
        if problem == nil, let unclosed = open.first {
            problem = Problem(line: unclosed.line, message: "section \(Self.opening(unclosed)) is never closed (add {{/\(unclosed.name)}})")
        }
    }

    private static func opening(_ tag: TemplateTag) -> String {
        tag.kind == .invertedSection ? "{{^\(tag.name)}}" : "{{#\(tag.name)}}"
    }
}

/// A position in the bytes of a template, moving forward only.
private struct Cursor {
    let bytes: [UInt8]
    var index = 0
    var line: Int

    init(bytes: [UInt8], line: Int) {
        self.bytes = bytes
        self.line = line
    }

    private static let open = UInt8(ascii: "{"), close = UInt8(ascii: "}"), newline = UInt8(ascii: "\n")

    /// The next tag, or `nil` at the end of the text or at a problem (then set in `problem`).
    mutating func nextTag(problem: inout TemplateScan.Problem?) -> TemplateTag? {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == Self.newline { line += 1 }
            if byte == Self.open, index + 1 < bytes.count, bytes[index + 1] == Self.open {
                switch tag() {
                case .success(let tag): return tag
                case .failure(let p):
                    problem = p
                    return nil
                }
            }
            index += 1
        }
        return nil
    }

    /// Reads the tag at `index` (at its `{{`), as swift-mustache's parser does.
    private mutating func tag() -> Result<TemplateTag, TemplateScan.Problem> {
        let start = index, tagLine = line
        index += 2
        let sigil = index < bytes.count ? bytes[index] : 0
        func fail(_ message: String) -> Result<TemplateTag, TemplateScan.Problem> { .failure(.init(line: tagLine, message: message)) }
        let kind: TemplateTag.Kind
        switch sigil {
        case UInt8(ascii: "!"):
            guard skip(past: [Self.close, Self.close]) else {
                return fail("the comment \(excerpt(from: start)) is never closed: end it with }}")
            }
            return .success(TemplateTag(kind: .comment, name: "", line: tagLine))
        case UInt8(ascii: "="):
            return fail("changing delimiters ({{=…=}}) is not supported in outreachd templates")
        case UInt8(ascii: "<"), UInt8(ascii: "$"):
            return fail("template inheritance ({{<…}}, {{$…}}) is not supported in outreachd templates")
        case UInt8(ascii: "%"):
            let bodyStart = index + 1
            guard skip(past: [Self.close, Self.close]) else {
                return fail("the tag \(excerpt(from: start)) is never closed: end it with }}")
            }
            let body = String(decoding: bytes[bodyStart..<(index - 2)], as: UTF8.self).filter { !$0.isWhitespace }
            // swift-mustache would turn HTML escaping on for anything but TEXT; messages are plain text.
            guard body == "CONTENT_TYPE:TEXT" else {
                return fail("the pragma \(excerpt(from: start)) is not supported: outreachd templates are always plain text")
            }
            return .success(TemplateTag(kind: .pragma, name: body, line: tagLine))
        case UInt8(ascii: "#"): kind = .section
        case UInt8(ascii: "^"): kind = .invertedSection
        case UInt8(ascii: "/"): kind = .close
        case UInt8(ascii: ">"): kind = .partial
        case UInt8(ascii: "&"), UInt8(ascii: "{"): kind = .variable
        default: kind = .variable
        }
        let triple = sigil == Self.open
        let hasSigil = kind != .variable || sigil == UInt8(ascii: "&") || triple
        if hasSigil { index += 1 }
        let partial = kind == .partial
        _ = skipWhitespace()
        // A dynamic partial takes its name from the data: it could not be checked before sending.
        if partial, index < bytes.count, bytes[index] == UInt8(ascii: "*") {
            return fail("dynamic partials ({{>*…}}) are not supported in outreachd templates; name the partial: {{> footer}}")
        }
        let nameStart = index
        while index < bytes.count, Self.isNameByte(bytes[index], partial: partial) { index += 1 }
        let name = String(decoding: bytes[nameStart..<index], as: UTF8.self)
        let nameEnd = index
        let crossedLine = skipWhitespace()
        let closing: [UInt8] = triple ? [Self.close, Self.close, Self.close] : [Self.close, Self.close]
        if hasPrefix(closing) {
            index += closing.count
            guard !name.isEmpty else { return fail("the tag \(excerpt(from: start)) has no name (such as {{customer.first_name}})") }
            return .success(TemplateTag(kind: kind, name: name, line: tagLine))
        }
        let unclosed = "the tag \(excerpt(from: start, to: nameEnd)) is never closed: end it with \(triple ? "}}}" : "}}")"
        if index >= bytes.count || crossedLine || hasPrefix([Self.open, Self.open]) { return fail(unclosed) }
        if triple, hasPrefix([Self.close, Self.close]) {
            return fail("the tag \(excerpt(from: start, to: index + 2)) opens with three braces, so it closes with three: }}}")
        }
        return fail("unexpected \"\(character(at: index))\" in the tag \(excerpt(from: start)): a tag holds one name, "
                    + "of letters, digits and . _ - ? (such as {{customer.first_name}}), then \(triple ? "}}}" : "}}")")
    }

    /// Mustache's name characters (swift-mustache's `sectionNameChars`; partial names may also hold `/`).
    private static func isNameByte(_ b: UInt8, partial: Bool) -> Bool {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return true
        case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "?"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"): return true
        case UInt8(ascii: "/"): return partial
        default: return false
        }
    }

    /// Skips ASCII white space, newlines included (Mustache allows them inside a tag); whether it crossed a line.
    private mutating func skipWhitespace() -> Bool {
        var crossed = false
        while index < bytes.count {
            switch bytes[index] {
            case Self.newline: line += 1; crossed = true
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C: break
            default: return crossed
            }
            index += 1
        }
        return crossed
    }

    private func hasPrefix(_ pattern: [UInt8]) -> Bool {
        guard index + pattern.count <= bytes.count else { return false }
        for (k, b) in pattern.enumerated() where bytes[index + k] != b { return false }
        return true
    }

    /// Moves past the next `pattern`, counting lines; `false` (at the end) when there is none.
    private mutating func skip(past pattern: [UInt8]) -> Bool {
        while index < bytes.count {
            if hasPrefix(pattern) {
                index += pattern.count
                return true
            }
            if bytes[index] == Self.newline { line += 1 }
            index += 1
        }
        return false
    }

    /// The character starting at byte `at`, for messages.
    private func character(at offset: Int) -> String {
        var end = offset + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }

    /// The tag's text from `start` (its `{{`), quoted, on one line and at most about 40 characters.
    private func excerpt(from start: Int, to end: Int? = nil) -> String {
        var stop = min(end ?? bytes.count, bytes.count)
        if let newline = bytes[start..<stop].firstIndex(of: Self.newline) { stop = newline }
        var cut = false
        if stop - start > 40 {
            stop = start + 40
            cut = true
            // Not in the middle of a character.
            while stop > start, bytes[stop] & 0xC0 == 0x80 { stop -= 1 }
        }
        return "\"" + String(decoding: bytes[start..<stop], as: UTF8.self) + (cut ? "…" : "") + "\""
    }
}
