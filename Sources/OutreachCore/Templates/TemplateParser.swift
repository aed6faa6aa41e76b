/// Turns one piece of a template (its subject or its body) into ``TemplateNode``s, with the rules
/// swift-mustache 2.x applied to outreachd's templates before it was replaced: which text a
/// section, comment or partial tag on a line of its own takes away, where a partial's indentation
/// comes from, and which malformed tags fail to load (with the same line and column).
///
/// It reads the text by `Character`, as swift-mustache did, so that what counts as a space, a
/// line break or a brace is exactly what it was (a brace with a combining mark is text, `\r\n`
/// is one line break), but without swift-mustache's quadratic step: its parser measured the rest
/// of the file at every `{`. Only the subset outreachd allows is kept: ``TemplateScan`` has already
/// refused delimiter changes, inheritance, dynamic partials and pragmas other than plain text.
struct TemplateParser {
    /// Why a piece failed to parse, as swift-mustache reported it: what, and where.
    struct Failure: Error {
        enum Kind: Error {
            /// The text ended inside a tag (swift-mustache's "overflow").
            case overflow
            case unfinishedName
            case sectionCloseNameIncorrect
            case expectedSectionEnd
            case invalidConfigVariableSyntax
            case unrecognisedConfigVariable
            case unsupported
        }
        var kind: Kind
        /// As swift-mustache counted it: every kind of line break (a vertical tab, U+2028…) starts a line.
        var line: Int
        /// The line as the file has it, by LF (a CRLF is one): what a diagnostic names. swift-mustache's
        /// count put `"\u{0B}{"` on line 2 of a one-line file (found by `make fuzz`, FuzzTemplates).
        var fileLine: Int
        /// As swift-mustache counted it, the pragma before the piece included (see ``pragmaLength``).
        var column: Int
    }

    private let text: String
    private var position: String.Index

    private init(_ text: String) {
        self.text = text
        self.position = text.startIndex
    }

    /// The nodes of `piece`, parsed as swift-mustache parsed `{{%CONTENT_TYPE:TEXT}}` + `piece`.
    static func parse(_ piece: String) -> Result<[TemplateNode], Failure> {
        var parser = TemplateParser(piece)
        do throws(Failure.Kind) {
            // The plain-text pragma that used to open every piece: a tag at the start of the first
            // line, so the first line's own text is never "standalone", and a first line that is
            // blank (spaces, then a line break) is taken away with it.
            var state = State(sectionName: nil, newLine: true)
            state.newLine = parser.isStandalone(state)
            return .success(try parser.parse(state))
        } catch {
            let (line, fileLine, column) = parser.context()
            return .failure(Failure(kind: error, line: line, fileLine: fileLine, column: column))
        }
    }

    private struct State {
        var sectionName: String?
        var sectionTransforms: [String] = []
        var newLine: Bool

        init(sectionName: String?, newLine: Bool, transforms: [String] = []) {
            self.sectionName = sectionName
            self.newLine = newLine
            self.sectionTransforms = transforms
        }
    }

    // MARK: Reading characters

    private var atEnd: Bool { position == text.endIndex }
    /// The current character; NUL at the end, as swift-mustache's `current()`.
    private func current() -> Character { atEnd ? "\0" : text[position] }
    private mutating func advance() { position = text.index(after: position) }

    /// Reads while `predicate` holds.
    @discardableResult
    private mutating func read(while predicate: (Character) -> Bool) -> Substring {
        let start = position
        while !atEnd, predicate(text[position]) { advance() }
        return text[start..<position]
    }

    /// Reads `expected` if the text continues with it; throws `overflow` when fewer characters remain.
    private mutating func read(_ expected: String) throws(Failure.Kind) -> Bool {
        let count = expected.count
        guard let end = text.index(position, offsetBy: count, limitedBy: text.endIndex) else { throw .overflow }
        guard text[position..<end] == expected else { return false }
        position = end
        return true
    }

    /// Reads one character if it is `expected`; throws `overflow` at the end.
    private mutating func read(character expected: Character) throws(Failure.Kind) -> Bool {
        guard !atEnd else { throw .overflow }
        guard text[position] == expected else { return false }
        advance()
        return true
    }

    private static func isSpaceOrTab(_ c: Character) -> Bool { c == " " || c == "\t" }

    private static let nameCharacters = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?()*")
    private static let nameCharactersWithoutBrackets = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?*")
    private static let partialNameCharacters = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?()*/")

    // MARK: Parsing

    private mutating func parse(_ initial: State) throws(Failure.Kind) -> [TemplateNode] {
        var nodes: [TemplateNode] = []
        var state = initial
        var whiteSpaceBefore = Substring()
        while !atEnd {
            if state.newLine {
                whiteSpaceBefore = read(while: Self.isSpaceOrTab)
            }
            let text = try readUntilTagOrNewline()
            if current().isNewline {
                nodes.append(.text(String(whiteSpaceBefore) + text + String(current())))
                state.newLine = true
                advance()
                continue
            }
            if !text.isEmpty {
                nodes.append(.text(String(whiteSpaceBefore) + text))
                whiteSpaceBefore = ""
                state.newLine = false
            }
            if atEnd { break }
            var setNewLine = false
            switch current() {
            case "#", "^":
                let inverted = current() == "^"
                advance()
                let (name, transforms) = try parseName()
                if isStandalone(state) {
                    setNewLine = true
                } else {
                    Self.flush(&whiteSpaceBefore, into: &nodes)
                }
                let body = try parse(State(sectionName: name, newLine: setNewLine && state.newLine, transforms: transforms))
                nodes.append(.section(TemplateName(name, transforms: transforms), inverted: inverted, body))

            case "/":
                advance()
                let nameStart = position
                let (name, transforms) = try parseName()
                guard name == state.sectionName, transforms == state.sectionTransforms else {
                    position = nameStart
                    throw .sectionCloseNameIncorrect
                }
                if !isStandalone(state) { Self.flush(&whiteSpaceBefore, into: &nodes) }
                return nodes

            case "!":
                advance()
                try skipComment()
                setNewLine = isStandalone(state)

            case "{":
                Self.flush(&whiteSpaceBefore, into: &nodes)
                advance()
                let (name, transforms) = try parseName()
                guard try read(character: "}") else { throw .unfinishedName }
                nodes.append(.variable(TemplateName(name, transforms: transforms)))

            case "&":
                Self.flush(&whiteSpaceBefore, into: &nodes)
                advance()
                let (name, transforms) = try parseName()
                nodes.append(.variable(TemplateName(name, transforms: transforms)))

            case ">":
                advance()
                read(while: \.isWhitespace)
                guard current() != "*" else { throw .unsupported }
                let name = try parsePartialName()
                if !whiteSpaceBefore.isEmpty { nodes.append(.text(String(whiteSpaceBefore))) }
                if isStandalone(state) {
                    setNewLine = true
                    nodes.append(.partial(name, indentation: String(whiteSpaceBefore)))
                } else {
                    nodes.append(.partial(name, indentation: nil))
                }
                whiteSpaceBefore = ""

            case "%":
                advance()
                try readPragma()
                setNewLine = isStandalone(state)

            case "<", "$", "=":
                // Refused by the scan before a piece gets here.
                throw .unsupported

            default:
                Self.flush(&whiteSpaceBefore, into: &nodes)
                let (name, transforms) = try parseName()
                nodes.append(.variable(TemplateName(name, transforms: transforms)))
            }
            state.newLine = setNewLine
        }
        guard state.sectionName == nil else { throw .expectedSectionEnd }
        return nodes
    }

    /// Moves the white space read before a tag into `nodes` as text.
    private static func flush(_ whiteSpace: inout Substring, into nodes: inout [TemplateNode]) {
        if !whiteSpace.isEmpty {
            nodes.append(.text(String(whiteSpace)))
            whiteSpace = ""
        }
    }

    /// Text up to a line break (not read) or past the next `{{`.
    private mutating func readUntilTagOrNewline() throws(Failure.Kind) -> String {
        var total = ""
        while !atEnd {
            let start = position
            while !atEnd {
                let c = text[position]
                if c == "\n" || c == "\r\n" || c == "{" { break }
                advance()
            }
            total += text[start..<position]
            if current().isNewline { break }
            if current() == "{" {
                if try read("{{") { break }
                total += "{"
                advance()
            }
        }
        return total
    }

    /// A tag's name and the transforms around it (`lowercased(name)`), then its `}}`.
    private mutating func parseName() throws(Failure.Kind) -> (String, [String]) {
        read(while: \.isWhitespace)
        let text = String(read(while: { Self.nameCharacters.contains($0) }))
        read(while: \.isWhitespace)
        guard try read("}}") else { throw .unfinishedName }
        guard text.contains("(") || text.contains(")") else { return (text, []) }
        // name(name(name)): the innermost is the value, the others transforms, outermost first.
        var rest = Substring(text)
        var transforms: [String] = []
        func word() -> Substring {
            let word = rest.prefix { Self.nameCharactersWithoutBrackets.contains($0) }
            rest = rest.dropFirst(word.count)
            return word
        }
        transforms.append(String(word()))
        guard rest.first == "(" else { throw .unfinishedName }
        rest = rest.dropFirst()
        while true {
            let name = word()
            switch rest.first {
            case ")":
                rest = rest.dropFirst()
                let closing = rest.prefix { $0 == ")" }.count
                rest = rest.dropFirst(closing)
                guard closing + 1 == transforms.count, rest.isEmpty else { throw .unfinishedName }
                return (String(name), transforms)
            case "(":
                rest = rest.dropFirst()
                transforms.append(String(name))
            default:
                throw .unfinishedName
            }
        }
    }

    private mutating func parsePartialName() throws(Failure.Kind) -> String {
        read(while: \.isWhitespace)
        let name = String(read(while: { Self.partialNameCharacters.contains($0) }))
        read(while: \.isWhitespace)
        guard try read("}}") else { throw .unfinishedName }
        return name
    }

    private mutating func skipComment() throws(Failure.Kind) {
        while !atEnd {
            if text[position] == "}" {
                let next = text.index(after: position)
                if next < text.endIndex, text[next] == "}" {
                    position = text.index(after: next)
                    return
                }
            }
            advance()
        }
        throw .overflow
    }

    /// `{{%CONTENT_TYPE:TEXT}}`, the one pragma the scan lets through, spelled as swift-mustache wanted it.
    private mutating func readPragma() throws(Failure.Kind) {
        let variable: Substring, value: Substring
        do {
            read(while: \.isWhitespace)
            variable = read(while: { Self.nameCharactersWithoutBrackets.contains($0) })
            read(while: \.isWhitespace)
            guard try read(character: ":") else { throw Failure.Kind.invalidConfigVariableSyntax }
            read(while: \.isWhitespace)
            value = read(while: { Self.nameCharactersWithoutBrackets.contains($0) })
            read(while: \.isWhitespace)
            guard try read("}}") else { throw Failure.Kind.invalidConfigVariableSyntax }
        } catch {
            throw .invalidConfigVariableSyntax
        }
        guard !variable.isEmpty, !value.isEmpty else { throw .invalidConfigVariableSyntax }
        guard variable == "CONTENT_TYPE", value == "TEXT" else { throw .unrecognisedConfigVariable }
    }

    /// Whether the tag just read is alone on its line: if so, the rest of the line (spaces, the
    /// line break) is read too.
    private mutating func isStandalone(_ state: State) -> Bool {
        guard state.newLine else { return false }
        if atEnd { return true }
        var probe = position
        while probe < text.endIndex, Self.isSpaceOrTab(text[probe]) { probe = text.index(after: probe) }
        guard probe < text.endIndex, text[probe].isNewline else { return false }
        position = text.index(after: probe)
        return true
    }

    /// The line and column of the current position, as swift-mustache's error context counted
    /// them in the piece with the pragma before it: lines by every kind of line break, columns
    /// back to the last LF only (or to the start of the pragma).
    private func context() -> (line: Int, fileLine: Int, column: Int) {
        var column = 0
        var probe = position
        var reachedStart = true
        while probe > text.startIndex {
            probe = text.index(before: probe)
            if text[probe] == "\n" {
                reachedStart = false
                break
            }
            column += 1
        }
        if reachedStart { column += Self.pragmaLength }
        let line = text[..<position].reduce(0) { $0 + ($1.isNewline ? 1 : 0) }
        let fileLine = text[..<position].reduce(0) { $0 + ($1.unicodeScalars.contains("\n") ? 1 : 0) }
        return (line + 1, fileLine + 1, column + 1)
    }

    /// The characters of `{{%CONTENT_TYPE:TEXT}}`, which swift-mustache's columns counted.
    static let pragmaLength = 22
}
