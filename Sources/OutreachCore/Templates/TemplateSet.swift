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
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
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

    /// Text, with escaping off: partials start a new HTML context in swift-mustache, so each piece gets the pragma.
    private static func mustache(_ text: String, path: String, firstLine: Int) -> Result<MustacheTemplate, DiagnosticError> {
        do {
            return .success(try MustacheTemplate(string: "{{%CONTENT_TYPE:TEXT}}" + text))
        } catch let error as MustacheTemplate.ParserError {
            // The parser notices a missing {{/section}} at the end of the file; the line to fix is the opening tag's.
            if case .expectedSectionEnd? = error.error as? MustacheTemplate.Error, let open = unclosedSection(text, firstLine: firstLine) {
                return .failure(DiagnosticError(Diagnostic(file: path, line: open.line, "template syntax: section {{#\(open.name)}} is never closed (add {{/\(open.name)}})")))
            }
            return .failure(DiagnosticError(Diagnostic(file: path, line: firstLine + error.context.lineNumber - 1,
                                                       "template syntax: \(describe(error.error)) (column \(error.context.columnNumber))")))
        } catch {
            return .failure(DiagnosticError(Diagnostic(file: path, line: firstLine, "template syntax: \(error)")))
        }
    }

    /// The first section opened and never closed, found by the tag scanner.
    private static func unclosedSection(_ text: String, firstLine: Int) -> TemplateTag? {
        var open: [TemplateTag] = []
        for tag in TemplateTag.scan(text, firstLine: firstLine) {
            switch tag.kind {
            case .section, .invertedSection: open.append(tag)
            case .close: if !open.isEmpty { open.removeLast() }
            default: continue
            }
        }
        return open.first
    }

    private static func describe(_ error: Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect?: return "a section is closed with a different name than it was opened with"
        case .unfinishedName?: return "a tag is not finished"
        case .expectedSectionEnd?: return "a section is never closed"
        case .invalidSetDelimiter?: return "bad delimiter change"
        default: return "\(error)"
        }
    }

    static func compile(_ text: String, name: String, locale: String, path: String) -> Result<Template, DiagnosticError> {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n")
        var subjectText: String?
        var bodyText = normalized
        var bodyFirstLine = 1
        if normalized.lowercased().hasPrefix("subject:") {
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
        if let subjectText {
            switch mustache(subjectText, path: path, firstLine: 1) {
            case .success(let t): subject = t
            case .failure(let e): return .failure(e)
            }
        }
        let body: MustacheTemplate
        switch mustache(bodyText, path: path, firstLine: bodyFirstLine) {
        case .success(let t): body = t
        case .failure(let e): return .failure(e)
        }
        let tags = (subjectText.map { TemplateTag.scan($0, firstLine: 1) } ?? []) + TemplateTag.scan(bodyText, firstLine: bodyFirstLine)
        return .success(Template(name: name, locale: locale, path: path, subject: subject, body: body, tags: tags, bodyFirstLine: bodyFirstLine))
    }
}
