/// A template piece compiled for rendering: literal bytes and value slots resolved at load time,
/// sections as ranges of the same flat list, partials inlined, so rendering a message is a walk
/// over a few operations appending to one reusable byte buffer.
///
/// outreachd renders its own templates instead of going through swift-mustache, for speed:
/// swift-mustache looks every value up through `Any` casts and `Mirror`, builds a `String` per
/// token and copies it into the next, and its parser measures the rest of the file at every `{`,
/// which makes loading quadratic. This renders the subset outreachd allows (variables, `{{{ }}}`
/// and `{{& }}`, sections and inverted sections over values, partials, comments) with exactly the
/// output swift-mustache gave: no HTML escaping, an empty value is still "there" for a section,
/// and a partial on a line of its own indents its lines like its tag (see ``TemplateParser``).
final class TemplateProgram: Sendable {
    /// One step of rendering.
    enum Op: Sendable {
        /// Bytes `start..<start + count` of ``literals``.
        case text(start: Int, count: Int)
        /// The value of ``names``[`name`].
        case value(name: Int)
        /// Ops `index + 1 ..< end` once with the value of ``names``[`name`] as the innermost
        /// value when it is there (`inverted`: once when it is not).
        case section(name: Int, inverted: Bool, end: Int)
        /// A partial whose lines are indented: rendered as its own piece with `indentation` added.
        case indented(TemplateProgram, indentation: [UInt8])
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
    let literals: [UInt8]

    init(ops: [Op], names: [Name], inRoot: [Lookup], literals: [UInt8]) {
        self.ops = ops
        self.names = names
        self.inRoot = inRoot
        self.literals = literals
    }

    // MARK: Rendering

    /// Appends the piece for `values` to `out`.
    func render(_ values: MessageValues, into out: inout [UInt8]) throws(RenderError) {
        var stack = Stack()
        try literals.withUnsafeBufferPointer { (literals) throws(RenderError) in
            try render(0..<ops.count, literals, values, &stack, &out)
        }
    }

    /// The values sections have entered, innermost last; the root is always first.
    struct Stack {
        var entities: [ValueLayout.Entity] = [.root]
    }

    private func render(_ range: Range<Int>, _ literals: UnsafeBufferPointer<UInt8>, _ values: MessageValues,
                        _ stack: inout Stack, _ out: inout [UInt8]) throws(RenderError) {
        var i = range.lowerBound
        while i < range.upperBound {
            switch ops[i] {
            case .text(let start, let count):
                out.append(contentsOf: UnsafeBufferPointer(rebasing: literals[start..<(start + count)]))
            case .value(let name):
                if let entity = resolve(name, values, stack) { append(entity, values, &out) }
            case .section(let name, let inverted, let end):
                let entity = resolve(name, values, stack)
                if (entity != nil) != inverted {
                    if let entity { stack.entities.append(entity) }
                    try render((i + 1)..<end, literals, values, &stack, &out)
                    if entity != nil { stack.entities.removeLast() }
                }
                i = end
                continue
            case .indented(let partial, let indentation):
                try partial.renderIndented(values, &stack, indentation: indentation, depth: 1, &out)
            case .fail(let why):
                throw RenderError(why)
            }
            i += 1
        }
    }

    /// The entity name `index` stands for with `stack`, if the message has a value there.
    @inline(__always)
    private func resolve(_ index: Int, _ values: MessageValues, _ stack: Stack) -> ValueLayout.Entity? {
        if stack.entities.count == 1 { return found(inRoot[index], values) }
        let name = names[index]
        if name.anchored { return found(lookup(index, in: stack.entities[stack.entities.count - 1]), values) }
        // Mustache climbs from the innermost value out to the first that has the name's first part.
        for entity in stack.entities.reversed() {
            let lookup = lookup(index, in: entity)
            if let first = lookup.first, values.has(first) { return found(lookup, values) }
        }
        return nil
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

    @inline(__always)
    private func append(_ entity: ValueLayout.Entity, _ values: MessageValues, _ out: inout [UInt8]) {
        if case .slot(let slot) = entity, let text = values.slots[slot] {
            out.append(contentsOf: text.utf8)
        } else {
            out.append(contentsOf: values.described(entity).utf8)
        }
    }

    /// Partials nested deeper than this fail instead of recursing on: only a partial that
    /// includes itself gets there, and `check` refuses those.
    private static let maximumDepth = 64

    /// Renders this piece as swift-mustache rendered a partial with `indentation`: before each
    /// token that prints something, the indentation is added when what this piece (or the
    /// section being rendered) printed so far ends a line.
    private func renderIndented(_ values: MessageValues, _ stack: inout Stack, indentation: [UInt8], depth: Int,
                                _ out: inout [UInt8]) throws(RenderError) {
        guard depth <= Self.maximumDepth else { throw RenderError("partials are nested more than \(Self.maximumDepth) deep (does one include itself?)") }
        try literals.withUnsafeBufferPointer { (literals) throws(RenderError) in
            try renderScope(0..<ops.count, literals, values, &stack, indentation: indentation, depth: depth, &out)
        }
    }

    private func renderScope(_ range: Range<Int>, _ literals: UnsafeBufferPointer<UInt8>, _ values: MessageValues, _ stack: inout Stack,
                             indentation: [UInt8], depth: Int, _ out: inout [UInt8]) throws(RenderError) {
        let scope = out.count
        var i = range.lowerBound
        while i < range.upperBound {
            let token = out.count
            var next = i + 1
            switch ops[i] {
            case .text(let start, let count):
                out.append(contentsOf: UnsafeBufferPointer(rebasing: literals[start..<(start + count)]))
            case .value(let name):
                if let entity = resolve(name, values, stack) { append(entity, values, &out) }
            case .section(let name, let inverted, let end):
                let entity = resolve(name, values, stack)
                if (entity != nil) != inverted {
                    if let entity { stack.entities.append(entity) }
                    try renderScope((i + 1)..<end, literals, values, &stack, indentation: indentation, depth: depth, &out)
                    if entity != nil { stack.entities.removeLast() }
                }
                next = end
            case .indented(let partial, let more):
                try partial.renderIndented(values, &stack, indentation: indentation + more, depth: depth + 1, &out)
            case .fail(let why):
                throw RenderError(why)
            }
            // The scope's text so far ends with a line feed that is not part of a CR LF (one
            // character in Swift, which is how swift-mustache compared).
            if out.count > token, token > scope, out[token - 1] == 0x0A, !(token - 2 >= scope && out[token - 2] == 0x0D) {
                out.insert(contentsOf: indentation, at: token)
            }
            i = next
        }
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
