import Foundation

/// The templates folder, parsed once: every `NAME.txt` and `NAME.LOCALE.txt`, compiled into
/// ``TemplateProgram``s with the partials their locale sees.
///
/// Loading reports every syntax error with its file and line; ``validate(rule:channel:configuration:)``
/// checks that a rule's templates use only variables the rule provides.
public struct TemplateSet: Sendable {
    /// One compiled template file.
    public struct Template: Sendable {
        public var name: String
        /// Normalized locale, `""` for the default file.
        public var locale: String
        public var path: String
        /// Whether the file has a header block (a `Subject:` line).
        var hasSubject: Bool
        /// The pieces compiled with the partials of the template's locale (set once the whole folder is read).
        var subject: TemplateProgram?
        var body = TemplateProgram.empty
        var tags: [TemplateTag]
        /// The line the subject's text starts on (it is always line 1) and where the body starts.
        var bodyFirstLine: Int
        /// The file's length in bytes, which its expansion as a partial adds to a message.
        var size: Int
        /// Variables printed outside any section (partials included): each needs a value to render.
        /// Worked out once at load, not per message.
        var required = Required()

        /// Required variables by name, in name order, each with where it is in the values.
        struct Required: Sendable {
            var names: [String] = []
            var lookups: [TemplateProgram.Lookup] = []

            init() {}

            init(_ names: Set<String>, layout: ValueLayout) {
                self.names = names.sorted()
                self.lookups = self.names.map { TemplateProgram.Lookup(root: $0, layout: layout) }
            }
        }
    }

    public let folder: String
    private var files: [String: [String: Template]] = [:]
    /// Where the values of a message go; the same for every template of the set.
    private(set) var layout = ValueLayout(names: [])
    /// Dates and amounts formatted for this set's messages, kept across them (and across the
    /// copies of the set: it is a shared, thread-safe cache); a reload starts a new one.
    let formats = ValueFormats()

    /// One file's pieces as parsed, kept only while its folder loads: they are compiled into the
    /// file's ``Template`` once every partial is known (``link(_:)``), and not kept after that.
    struct Parsed {
        var subject: [TemplateNode]?
        var body: [TemplateNode]
    }

    /// Loads every `.txt` file of `folder`.
    public static func load(folder: String) -> (TemplateSet, [Diagnostic]) {
        var set = TemplateSet(folder: folder)
        var parsed: [String: [String: Parsed]] = [:]
        var diagnostics: [Diagnostic] = []
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else {
            return (set, [Diagnostic(file: folder, line: nil, "cannot read the templates folder")])
        }
        for file in names.sorted() where file.hasSuffix(".txt") {
            let path = Paths.resolve(file, relativeTo: folder)
            let parts = file.dropLast(4).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.count == 1 || !parts[1].isEmpty else {
                diagnostics.append(Diagnostic(file: path, line: nil, "a template file is named NAME.txt or NAME.LOCALE.txt (e.g. birthday.sv-SE.txt)"))
                continue
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                diagnostics.append(Diagnostic(file: path, line: nil, "cannot read the file"))
                continue
            }
            guard data.count <= TemplateLimits.fileSize else {
                diagnostics.append(Diagnostic(file: path, line: nil, "the file is \(TemplateLimits.describe(bytes: data.count)); a template is at most "
                                              + "\(TemplateLimits.describe(bytes: TemplateLimits.fileSize)) (is it the right file?)"))
                continue
            }
            guard let text = String(data: data, encoding: .utf8) else {
                diagnostics.append(Diagnostic(file: path, line: nil, "cannot read the file as UTF-8 text"))
                continue
            }
            switch compile(text, name: parts[0], locale: parts.count == 2 ? LocaleTag.normalize(parts[1]) : "", path: path) {
            case .success(let (template, pieces)):
                set.files[template.name, default: [:]][template.locale] = template
                parsed[template.name, default: [:]][template.locale] = pieces
            case .failure(let error): diagnostics += error.diagnostics
            }
        }
        set.link(parsed)
        let required = set.files.mapValues { variants in variants.mapValues { set.requiredVariables($0, locale: $0.locale) } }
        for (name, variants) in required {
            for (locale, names) in variants { set.files[name]?[locale]?.required = .init(names, layout: set.layout) }
        }
        return (set, diagnostics)
    }

    private init(folder: String) { self.folder = folder }

    /// The file used for `name` in `locale` (full locale, then language, then default).
    public func template(_ name: String, locale: String?) -> Template? {
        for key in LocaleTag.fallbackChain(locale) {
            if let t = files[name]?[key] { return t }
        }
        return nil
    }

    /// Every file of `name`, default and translations.
    public func variants(_ name: String) -> [Template] {
        (files[name] ?? [:]).values.sorted { $0.locale < $1.locale }
    }

    /// Compiles every template's pieces with the partials of its own locale (its file's locale,
    /// then the language, then the default, as ``template(_:locale:)`` finds them).
    private mutating func link(_ parsed: [String: [String: Parsed]]) {
        let names = files.values.flatMap(\.values).flatMap(\.tags).filter { [.variable, .section, .invertedSection].contains($0.kind) }.map(\.name)
        layout = ValueLayout(names: Set(names))
        var compilers: [String: TemplateCompiler] = [:]
        for (name, variants) in parsed {
            for (locale, pieces) in variants {
                var compiler = compilers[locale] ?? TemplateCompiler(layout: layout) { [self] partial in
                    self.template(partial, locale: locale.isEmpty ? nil : locale).flatMap { found in
                        parsed[found.name]?[found.locale].map { (found.path, $0.body) }
                    }
                }
                files[name]?[locale]?.subject = pieces.subject.map { compiler.program($0) }
                files[name]?[locale]?.body = compiler.program(pieces.body)
                compilers[locale] = compiler
            }
        }
    }

    // MARK: Compiling

    /// Parses one piece (the subject or the body) of a template file starting at `firstLine`.
    ///
    /// The tags are scanned first: a problem found there is reported in words, at its tag's line.
    /// What the scan lets through and the parser still refuses is reported as swift-mustache did,
    /// with the column.
    private static func parse(_ text: String, path: String, firstLine: Int) -> Result<([TemplateNode], [TemplateTag]), DiagnosticError> {
        let scan = TemplateScan(text, firstLine: firstLine)
        if let problem = scan.problem {
            return .failure(DiagnosticError(Diagnostic(file: path, line: problem.line, "template syntax: \(problem.message)")))
        }
        switch TemplateParser.parse(text) {
        case .success(let nodes):
            return .success((nodes, scan.tags))
        case .failure(let failure):
            // Columns on the first line are counted from the pragma swift-mustache was given before the text.
            let column = failure.fileLine == 1 ? max(1, failure.column - TemplateParser.pragmaLength) : failure.column
            return .failure(DiagnosticError(Diagnostic(file: path, line: firstLine + failure.fileLine - 1,
                                                       "template syntax: \(describe(failure.kind)) (column \(column))")))
        }
    }

    private static func describe(_ kind: TemplateParser.Failure.Kind) -> String {
        switch kind {
        case .sectionCloseNameIncorrect: return "a section is closed with a different name than it was opened with"
        case .unfinishedName: return "a tag is not finished: it holds one name, then }}"
        case .expectedSectionEnd: return "a section is never closed"
        case .invalidConfigVariableSyntax, .unrecognisedConfigVariable: return "pragmas ({{%…}}) are not supported: outreachd templates are always plain text"
        case .overflow: return "a tag is never closed: end it with }}"
        case .unsupported: return "this tag is not supported in outreachd templates"
        }
    }

    static func compile(_ text: String, name: String, locale: String, path: String) -> Result<(Template, Parsed), DiagnosticError> {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        if let line = TemplateLimits.lineOfExcessBrace(in: normalized) {
            return .failure(DiagnosticError(Diagnostic(file: path, line: line, "too many tags: this line reaches the file's \(TemplateLimits.braces + 1)th \"{\", and a template "
                                                       + "holds at most \(TemplateLimits.braces) (a {{tag}} has two), so that loading and checking it stay quick")))
        }
        var subjectText: String?
        var bodyText = normalized
        var bodyFirstLine = 1
        if normalized.prefix(8).lowercased() == "subject:" {
            let lines = normalized.split(separator: "\n", omittingEmptySubsequences: false)
            guard let blank = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                return .failure(DiagnosticError(Diagnostic(file: path, line: 1, "the header block has no blank line after it; put one blank line between the headers and the body")))
            }
            for (i, line) in lines[..<blank].enumerated() where i > 0 {
                return .failure(DiagnosticError(Diagnostic(file: path, line: i + 1, "unsupported header \"\(line.prefix { $0 != ":" })\": a template's header block holds only Subject:")))
            }
            subjectText = String(lines[0].dropFirst("subject:".count)).trimmingCharacters(in: .whitespaces)
            bodyText = lines[(blank + 1)...].joined(separator: "\n")
            bodyFirstLine = blank + 2
        }
        var subjectNodes: [TemplateNode]?
        var tags: [TemplateTag] = []
        if let subjectText {
            switch parse(subjectText, path: path, firstLine: 1) {
            case .success(let (nodes, subjectTags)): subjectNodes = nodes; tags = subjectTags
            case .failure(let e): return .failure(e)
            }
        }
        let bodyNodes: [TemplateNode]
        switch parse(bodyText, path: path, firstLine: bodyFirstLine) {
        case .success(let (nodes, bodyTags)): bodyNodes = nodes; tags += bodyTags
        case .failure(let e): return .failure(e)
        }
        // Compiled with its partials once the whole folder is read (``link(_:)``).
        return .success((Template(name: name, locale: locale, path: path, hasSubject: subjectNodes != nil, tags: tags,
                                  bodyFirstLine: bodyFirstLine, size: normalized.utf8.count),
                         Parsed(subject: subjectNodes, body: bodyNodes)))
    }
}
