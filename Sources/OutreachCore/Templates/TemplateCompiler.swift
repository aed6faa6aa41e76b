/// Compiles parsed template pieces into ``TemplateProgram``s for one partial library (the
/// partials a template of one locale sees): names resolved against the value layout, partials
/// inlined where their indentation cannot matter, the others compiled once and shared.
struct TemplateCompiler {
    /// The body of partial `name` for this library, with the file it comes from; `nil` when there is none.
    let partial: (String) -> (path: String, nodes: [TemplateNode])?
    let layout: ValueLayout

    /// Partials rendered as their own pieces (indented), by file.
    private var scoped: [String: TemplateProgram] = [:]
    private var compiling: Set<String> = []

    /// Past this many operations in one piece, partials are no longer copied in but called: a
    /// partial included many times over must not multiply the compiled size.
    static let inlineBudget = 20_000

    init(layout: ValueLayout, partial: @escaping (String) -> (path: String, nodes: [TemplateNode])?) {
        self.layout = layout
        self.partial = partial
    }

    /// A template's subject or body: partials without indentation are copied in, adjacent text is joined.
    mutating func program(_ nodes: [TemplateNode]) -> TemplateProgram {
        var builder = Builder(layout: layout, joinsText: true)
        emit(nodes, into: &builder, inlining: [])
        return builder.program
    }

    /// A partial rendered on its own with indentation: every token kept as swift-mustache had it,
    /// since where the indentation goes depends on where each token starts.
    private mutating func scopedProgram(path: String, nodes: [TemplateNode]) -> TemplateProgram? {
        if let known = scoped[path] { return known }
        guard compiling.insert(path).inserted else { return nil }
        defer { compiling.remove(path) }
        var builder = Builder(layout: layout, joinsText: false)
        emit(nodes, into: &builder, inlining: nil)
        let program = builder.program
        scoped[path] = program
        return program
    }

    /// Appends `nodes`; `inlining` is the partials being copied in (`nil`: partials are never copied in).
    private mutating func emit(_ nodes: [TemplateNode], into builder: inout Builder, inlining: [String]?) {
        for node in nodes {
            switch node {
            case .text(let text):
                builder.text(text)
            case .variable(let name):
                if let unsupported = Self.unsupported(name) { builder.fail(unsupported); continue }
                builder.value(name)
            case .section(let name, let inverted, let body):
                if let unsupported = Self.unsupported(name) { builder.fail(unsupported); continue }
                let section = builder.openSection(name, inverted: inverted)
                emit(body, into: &builder, inlining: inlining)
                builder.closeSection(section)
            case .partial(let name, let indentation):
                guard let (path, partialNodes) = partial(name) else { continue }
                let indent = indentation ?? ""
                if indent.isEmpty, let stack = inlining, builder.size < Self.inlineBudget {
                    guard !stack.contains(path) else {
                        builder.fail("partial {{> \(name)}} includes itself")
                        continue
                    }
                    emit(partialNodes, into: &builder, inlining: stack + [path])
                } else if let program = scopedProgram(path: path, nodes: partialNodes) {
                    builder.indented(program, indent)
                } else {
                    builder.fail("partial {{> \(name)}} includes itself")
                }
            }
        }
    }

    private static func unsupported(_ name: TemplateName) -> String? {
        guard let outer = name.transforms.first else { return nil }
        return "{{\(outer)(…)}}: functions over values are not supported in outreachd templates"
    }

    /// Accumulates one program.
    private struct Builder {
        let layout: ValueLayout
        let joinsText: Bool
        private var ops: [TemplateProgram.Op] = []
        private var names: [TemplateProgram.Name] = []
        private var inRoot: [TemplateProgram.Lookup] = []
        private var nameIndex: [String: Int] = [:]
        /// Whether the last op is text that more text may join.
        private var openText = false

        init(layout: ValueLayout, joinsText: Bool) {
            self.layout = layout
            self.joinsText = joinsText
        }

        var size: Int { ops.count }
        var program: TemplateProgram { TemplateProgram(ops: ops, names: names, inRoot: inRoot) }

        mutating func text(_ text: String) {
            guard !text.isEmpty else { return }
            if joinsText, openText, case .text(let before) = ops[ops.count - 1] {
                ops[ops.count - 1] = .text(before + text)
            } else {
                ops.append(.text(text))
                openText = true
            }
        }

        mutating func value(_ name: TemplateName) {
            append(.value(name: index(name)))
        }

        mutating func openSection(_ name: TemplateName, inverted: Bool) -> Int {
            append(.section(name: index(name), inverted: inverted, end: 0))
            return ops.count - 1
        }

        mutating func closeSection(_ at: Int) {
            if case .section(let name, let inverted, _) = ops[at] { ops[at] = .section(name: name, inverted: inverted, end: ops.count) }
            openText = false
        }

        mutating func indented(_ program: TemplateProgram, _ indentation: String) {
            append(.indented(program, indentation: indentation))
        }

        mutating func fail(_ why: String) {
            append(.fail(why))
        }

        private mutating func append(_ op: TemplateProgram.Op) {
            ops.append(op)
            openText = false
        }

        /// The index of `name` in the program's names, looked up in every kind of value once.
        private mutating func index(_ name: TemplateName) -> Int {
            if let known = nameIndex[name.text] { return known }
            let layout = self.layout
            let isDot = name.parts.isEmpty
            func lookup(in entity: ValueLayout.Entity) -> TemplateProgram.Lookup {
                if isDot { return TemplateProgram.Lookup(first: entity, found: entity) }
                guard let first = layout.child(of: entity, name.parts[0]) else { return TemplateProgram.Lookup() }
                var found: ValueLayout.Entity? = first
                for part in name.parts.dropFirst() { found = found.flatMap { layout.child(of: $0, part) } }
                return TemplateProgram.Lookup(first: first, found: found)
            }
            names.append(TemplateProgram.Name(anchored: name.anchored, isDot: isDot,
                                              inGroup: ValueLayout.Group.allCases.map { lookup(in: .group($0)) }))
            inRoot.append(lookup(in: .root))
            nameIndex[name.text] = names.count - 1
            return names.count - 1
        }
    }
}
