import Foundation
import Mustache

/// The templates folder, parsed once: every `NAME.txt` and `NAME.LOCALE.txt`, compiled, with the
/// partial libraries for each locale.
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
        var subject: MustacheTemplate?
        var body: MustacheTemplate
        var tags: [TemplateTag]
        /// The line the subject's text starts on (it is always line 1) and where the body starts.
        var bodyFirstLine: Int
        /// The file's length in bytes, which its expansion as a partial adds to a message.
        var size: Int
        /// Variables printed outside any section (partials included): each needs a value to render.
        /// Worked out once at load, not per message.
        var required: Set<String> = []
    }

    public let folder: String
    private var files: [String: [String: Template]] = [:]
    private var libraries: [String: MustacheLibrary] = [:]

    /// Loads every `.txt` file of `folder`.
    public static func load(folder: String) -> (TemplateSet, [Diagnostic]) {
        var set = TemplateSet(folder: folder)
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
            case .success(let template): set.files[template.name, default: [:]][template.locale] = template
            case .failure(let error): diagnostics += error.diagnostics
            }
        }
        set.buildLibraries()
        let required = set.files.mapValues { variants in variants.mapValues { set.requiredVariables($0, locale: $0.locale) } }
        for (name, variants) in required {
            for (locale, names) in variants { set.files[name]?[locale]?.required = names }
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

    /// The partials library a customer of `locale` renders with.
    func library(locale: String?) -> MustacheLibrary? {
        for key in LocaleTag.fallbackChain(locale) {
            if let library = libraries[key] { return library }
        }
        return nil
    }

    private mutating func buildLibraries() {
        let locales = Set(files.values.flatMap(\.keys)).union([""])
        for locale in locales {
            var library = MustacheLibrary()
            for name in files.keys {
                if let t = template(name, locale: locale.isEmpty ? nil : locale) { library.register(t.body, named: name) }
            }
            libraries[locale] = library
        }
    }

    // MARK: Compiling

    /// What is put before every piece: escaping off (partials start a new HTML context in swift-mustache, so each piece gets it).
    private static let plainText = "{{%CONTENT_TYPE:TEXT}}"

    /// Compiles one piece (the subject or the body) of a template file starting at `firstLine`.
    ///
    /// The tags are scanned first: a problem found there is reported in words, at its tag's line,
    /// and the text never reaches swift-mustache's parser, whose messages are terse ("overflow").
    private static func mustache(_ text: String, path: String, firstLine: Int) -> Result<(MustacheTemplate, [TemplateTag]), DiagnosticError> {
        let scan = TemplateScan(text, firstLine: firstLine)
        if let problem = scan.problem {
            return .failure(DiagnosticError(Diagnostic(file: path, line: problem.line, "template syntax: \(problem.message)")))
        }
        do {
            return .success((try MustacheTemplate(string: plainText + text), scan.tags))
        } catch let error as MustacheTemplate.ParserError {
            // Not expected after the scan; its position is in the text with the pragma before it.
            let line = error.context.lineNumber
            let column = line == 1 ? max(1, error.context.columnNumber - plainText.count) : error.context.columnNumber
            return .failure(DiagnosticError(Diagnostic(file: path, line: firstLine + line - 1, "template syntax: \(describe(error.error)) (column \(column))")))
        } catch {
            return .failure(DiagnosticError(Diagnostic(file: path, line: firstLine, "template syntax: \(error)")))
        }
    }

    private static func describe(_ error: Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: return "a section is closed with a different name than it was opened with"
        case .unfinishedName?: return "a tag is not finished: it holds one name, then }}"
        case .expectedSectionEnd?: return "a section is never closed"
        case .invalidSetDelimiter?: return "changing delimiters ({{=…=}}) is not supported in outreachd templates"
        case .transformAppliedToInheritanceSection?, .illegalTokenInsideInheritSection?, .textInsideInheritSection?:
            return "template inheritance ({{<…}}, {{$…}}) is not supported in outreachd templates"
        case .invalidConfigVariableSyntax?, .unrecognisedConfigVariable?: return "pragmas ({{%…}}) are not supported: outreachd templates are always plain text"
        case nil: return "a tag is never closed: end it with }}"  // the parser's own "overflow": it ran out of text inside a tag
        }
    }

    static func compile(_ text: String, name: String, locale: String, path: String) -> Result<Template, DiagnosticError> {
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
        var subject: MustacheTemplate?
        var tags: [TemplateTag] = []
        if let subjectText {
            switch mustache(subjectText, path: path, firstLine: 1) {
            case .success(let (t, subjectTags)): subject = t; tags = subjectTags
            case .failure(let e): return .failure(e)
            }
        }
        let body: MustacheTemplate
        switch mustache(bodyText, path: path, firstLine: bodyFirstLine) {
        case .success(let (t, bodyTags)): body = t; tags += bodyTags
        case .failure(let e): return .failure(e)
        }
        return .success(Template(name: name, locale: locale, path: path, subject: subject, body: body, tags: tags, bodyFirstLine: bodyFirstLine,
                                 size: normalized.utf8.count))
    }
}
