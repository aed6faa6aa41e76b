import Foundation

/// Strict variables: a template may use only what its rule provides, checked before anything is sent.
extension TemplateSet {
    /// Every problem with the templates `rule` uses (all its translations and their partials).
    public func validate(rule: RuleConfiguration, channel: ChannelConfiguration?, configuration: Configuration) -> [Diagnostic] {
        let available = TemplateVariables.available(for: rule, in: configuration)
        let variants = variants(rule.template)
        var diagnostics: [Diagnostic] = []
        // A default that exists but failed to parse is reported by loading; only a missing file is reported here.
        if !variants.isEmpty, !variants.contains(where: { $0.locale.isEmpty }),
           !FileManager.default.fileExists(atPath: Paths.resolve(rule.template + ".txt", relativeTo: folder)) {
            diagnostics.append(Diagnostic(file: Paths.resolve(rule.template + ".txt", relativeTo: folder), line: nil,
                                          "rule \"\(rule.name)\" has translations of template \"\(rule.template)\" but no default \(rule.template).txt"))
        }
        for variant in variants {
            if let channel, channel.needsSubject, !variant.hasSubject {
                diagnostics.append(Diagnostic(file: variant.path, line: 1,
                                              "rule \"\(rule.name)\" sends by e-mail (channel \"\(channel.name)\"), so its template must start with a Subject: line, then a blank line"))
            }
            var walk = TagWalk(set: self, available: available, rule: rule)
            walk.visit(variant, locale: variant.locale, stack: [], visiting: [])
            diagnostics += walk.diagnostics
        }
        return diagnostics
    }

    /// The variables `template` prints outside any section: each must have a value, or the message is not rendered.
    func requiredVariables(_ template: Template, locale: String) -> Set<String> {
        var walk = TagWalk(set: self, available: nil, rule: nil)
        walk.visit(template, locale: locale, stack: [], visiting: [])
        return walk.required
    }
}

/// Follows a template's tags through sections and partials, resolving names as Mustache does.
private struct TagWalk {
    let set: TemplateSet
    /// `nil` when only collecting required names.
    let available: Set<String>?
    let rule: RuleConfiguration?
    var diagnostics: [Diagnostic] = []
    var required: Set<String> = []
    /// Bytes of template text visited so far, partials counted each time they are included: the
    /// size of the message before its variables are filled in. Past ``TemplateLimits/expandedSize``
    /// the walk stops, so partials that include partials many times over cost neither the walk nor a render.
    private var expanded = 0
    private var reportedExpansion = false

    init(set: TemplateSet, available: Set<String>?, rule: RuleConfiguration?) {
        self.set = set
        self.available = available
        self.rule = rule
    }

    mutating func visit(_ template: TemplateSet.Template, locale: String, stack: [String], visiting: Set<String>) {
        var stack = stack
        expanded += template.size
        for tag in template.tags where expanded <= TemplateLimits.expandedSize {
            switch tag.kind {
            case .section, .invertedSection:
                stack.append(resolve(tag.name, stack: stack, leafOnly: false, tag: tag, path: template.path) ?? tag.name)
            case .close:
                if !stack.isEmpty { stack.removeLast() }
            case .variable:
                if tag.name == "." {
                    if stack.isEmpty { report(template.path, tag.line, "{{.}} is meaningful only inside a section") }
                    continue
                }
                if let name = resolve(tag.name, stack: stack, leafOnly: true, tag: tag, path: template.path), stack.isEmpty {
                    required.insert(name)
                }
            case .partial:
                guard let partial = set.template(tag.name, locale: locale.isEmpty ? nil : locale) else {
                    report(template.path, tag.line, "partial {{> \(tag.name)}} has no file \(tag.name).txt in \(set.folder)")
                    continue
                }
                if visiting.contains(partial.path) {
                    report(template.path, tag.line, "partial {{> \(tag.name)}} includes itself")
                    continue
                }
                visit(partial, locale: locale, stack: stack, visiting: visiting.union([template.path]))
                if expanded > TemplateLimits.expandedSize {
                    // Reported once, where the walk ran over, not again by every template that includes it.
                    if !reportedExpansion {
                        report(template.path, tag.line, "with {{> \(tag.name)}} the message grows past \(TemplateLimits.describe(bytes: TemplateLimits.expandedSize)) "
                               + "of template text once its partials are filled in (are partials included many times over?)")
                        reportedExpansion = true
                    }
                    return
                }
            case .comment, .pragma:
                continue
            }
        }
    }

    /// The full variable name `name` refers to inside `stack`'s sections, reporting it when the rule cannot provide it.
    private mutating func resolve(_ name: String, stack: [String], leafOnly: Bool, tag: TemplateTag, path: String) -> String? {
        guard let available else { return stack.isEmpty ? name : nil }
        let candidates = stack.reversed().map { "\($0).\(name)" } + [name]
        for candidate in candidates {
            if available.contains(candidate) { return candidate }
            if !leafOnly, available.contains(where: { $0.hasPrefix(candidate + ".") }) { return candidate }
        }
        let prefix = name.split(separator: ".").first.map(String.init) ?? name
        let related = available.filter { $0.hasPrefix(prefix + ".") }.sorted()
        let hint = related.isEmpty
            ? "it can use: \(available.sorted().joined(separator: ", "))"
            : "it can use: \(related.joined(separator: ", "))"
        report(path, tag.line, "{{\(name)}} is not a variable rule \"\(rule?.name ?? "?")\" (kind \(rule?.kind.name ?? "?")) can provide; \(hint)")
        return nil
    }

    private mutating func report(_ path: String, _ line: Int, _ message: String) {
        guard available != nil else { return }
        diagnostics.append(Diagnostic(file: path, line: line, message))
    }
}
