/// A template piece compiled for rendering: literal text and value slots resolved at load time,
/// sections as ranges of the same flat list, partials inlined, so rendering a message is a walk
/// over a few operations appending to one `String` reserved at the message's size.
///
/// outreachd renders its own templates instead of going through swift-mustache, for speed:
/// swift-mustache looks every value up through `Any` casts and `Mirror`, builds a `String` per
/// token and copies it into the next (about 13,000 messages a second here, a fifth of Python's
/// chevron), and its parser measures the rest of the file at every `{`, which makes loading
/// quadratic. This renders the subset outreachd allows (variables, `{{{ }}}` and `{{& }}`,
/// sections and inverted sections over values, partials, comments) with exactly the output
/// swift-mustache gave: no HTML escaping, an empty value is still "there" for a section, and a
/// partial on a line of its own indents its lines like its tag (see ``TemplateParser``).
final class TemplateProgram: Sendable {
    /// One step of rendering.
    enum Op: Sendable {
        /// Literal text.
        case text(String)
        /// The value of ``names``[`name`].
        case value(name: Int)
        /// Ops `index + 1 ..< end` once with the value of ``names``[`name`] as the innermost
        /// value when it is there (`inverted`: once when it is not).
        case section(name: Int, inverted: Bool, end: Int)
        /// A partial whose lines are indented: rendered as its own piece with `indentation` added.
        case indented(TemplateProgram, indentation: String)
        /// What cannot be rendered (a partial that includes itself, a function such as `lowercased(…)`).
        case fail(String)
    }

    /// A name as the tags use it, resolved against the shape of the value tree at load time.
    struct Name: Sendable {
        /// A leading dot (`.item`, or `.` itself): looked up in the innermost value only.
        var anchored: Bool
        /// `.`: the innermost value itself.
        var isDot: Bool
        /// What it is when looked up in each group.
        var inGroup: [Lookup]
    }

    /// A name looked up in one value: `first` is the child that must be there for the lookup to
    /// stop at that value (Mustache climbs out to the next one otherwise); `found` is what the
    /// whole name then is, `nil` when the rest of it is missing.
    struct Lookup: Sendable {
        var first: ValueLayout.Entity? = nil
        var found: ValueLayout.Entity? = nil
    }

    let ops: [Op]
    let names: [Name]
    /// Each name looked up in the root, apart from ``names`` so that the common case (no section
    /// entered) reads plain values.
    let inRoot: [Lookup]
    /// The bytes of text the piece prints besides its values (an indented partial counted once,
    /// unindented), so that the output is reserved at about its final size instead of growing by doubling.
    let literalSize: Int

    init(ops: [Op], names: [Name], inRoot: [Lookup]) {
        self.ops = ops
        self.names = names
        self.inRoot = inRoot
        self.literalSize = ops.reduce(0) {
            switch $1 {
            case .text(let text): return $0 + text.utf8.count
            case .indented(let partial, _): return $0 + partial.literalSize
            default: return $0
            }
        }
    }

    /// A piece that prints nothing.
    static let empty = TemplateProgram(ops: [], names: [], inRoot: [])

    // MARK: Rendering

    /// Appends the piece for `values` to `out`.
    func render(_ values: MessageValues, into out: inout String) throws(RenderError) {
        var stack = Stack()
        try render(0..<ops.count, values, &stack, indentation: nil, depth: 0, &out)
    }

    /// The values sections have entered, innermost last, above the root (which is not stored:
    /// most messages enter no section, and then rendering allocates nothing for the stack).
    struct Stack {
        var entities: [ValueLayout.Entity] = []
    }

    /// Partials nested deeper than this fail instead of recursing on: only a partial that
    /// includes itself gets there, and `check` refuses those.
    private static let maximumDepth = 64

    /// Renders `range` of the ops. With `indentation` (a partial on a line of its own), renders as
    /// swift-mustache rendered such a partial: before each token that prints something, the
    /// indentation is added when what this piece (or the section being rendered) printed so far
    /// ends a line.
    private func render(_ range: Range<Int>, _ values: MessageValues, _ stack: inout Stack, indentation: String?, depth: Int,
                        _ out: inout String) throws(RenderError) {
        let scope = out.utf8.count
        var i = range.lowerBound
        while i < range.upperBound {
            let token = out.utf8.count
            var next = i + 1
            switch ops[i] {
            case .text(let text):
                out.append(text)
            case .value(let name):
                if let entity = resolve(name, values, stack) { values.append(entity, to: &out) }
            case .section(let name, let inverted, let end):
                let entity = resolve(name, values, stack)
                if (entity != nil) != inverted {
                    if let entity { stack.entities.append(entity) }
                    try render((i + 1)..<end, values, &stack, indentation: indentation, depth: depth, &out)
                    if entity != nil { stack.entities.removeLast() }
                }
                next = end
            case .indented(let partial, let more):
                guard depth < Self.maximumDepth else {
                    throw RenderError("partials are nested more than \(Self.maximumDepth) deep (does one include itself?)")
                }
                try partial.render(0..<partial.ops.count, values, &stack, indentation: (indentation ?? "") + more, depth: depth + 1, &out)
            case .fail(let why):
                throw RenderError(why)
            }
            if let indentation { Self.indent(&out, token: token, scope: scope, with: indentation) }
            i = next
        }
    }

    /// Inserts `indentation` before what the token at `token` printed when the scope's text
    /// before it ends with a line feed that is not part of a CR LF (one character in Swift,
    /// which is how swift-mustache compared).
    private static func indent(_ out: inout String, token: Int, scope: Int, with indentation: String) {
        let utf8 = out.utf8
        guard utf8.count > token, token > scope else { return }
        let at = utf8.index(utf8.startIndex, offsetBy: token)
        let last = utf8.index(before: at)
        guard utf8[last] == UInt8(ascii: "\n") else { return }
        if token - 2 >= scope, utf8[utf8.index(before: last)] == UInt8(ascii: "\r") { return }
        out.insert(contentsOf: indentation, at: at)
    }

    /// The entity name `index` stands for with `stack`, if the message has a value there.
    @inline(__always)
    private func resolve(_ index: Int, _ values: MessageValues, _ stack: Stack) -> ValueLayout.Entity? {
        if stack.entities.isEmpty { return found(inRoot[index], values) }
        let name = names[index]
        if name.anchored { return found(lookup(index, in: stack.entities[stack.entities.count - 1]), values) }
        // Mustache climbs from the innermost value out to the first that has the name's first part.
        for entity in stack.entities.reversed() {
            let lookup = lookup(index, in: entity)
            if let first = lookup.first, values.has(first) { return found(lookup, values) }
        }
        return found(inRoot[index], values)
    }

    private func lookup(_ index: Int, in entity: ValueLayout.Entity) -> Lookup {
        switch entity {
        case .root: return inRoot[index]
        case .group(let group): return names[index].inGroup[group.rawValue]
        // A value is text, without children; `.` is the value itself.
        case .slot: return names[index].isDot ? Lookup(first: entity, found: entity) : Lookup()
        }
    }

    @inline(__always)
    private func found(_ lookup: Lookup, _ values: MessageValues) -> ValueLayout.Entity? {
        guard let first = lookup.first, values.has(first), let found = lookup.found, values.has(found) else { return nil }
        return found
    }
}

extension TemplateProgram.Lookup {
    /// `name` looked up from the root part by part, as the check for required variables does.
    init(root name: String, layout: ValueLayout) {
        let parts = name.split(separator: ".").map(String.init)
        guard let head = parts.first else {
            self.init(first: .root, found: .root)
            return
        }
        let first = layout.child(of: .root, head)
        var found = first
        for part in parts.dropFirst() { found = found.flatMap { layout.child(of: $0, part) } }
        self.init(first: first, found: found)
    }
}
