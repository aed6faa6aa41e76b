/// One template variable of a group: its name after the group's prefix and how its value is read.
struct TemplateVariable<Source>: Sendable {
    let name: String
    /// The value for one message; `nil` when the data has none (a purchase without an item).
    let value: @Sendable (Source, MessageContext) -> String?

    init(_ name: String, _ value: @escaping @Sendable (Source, MessageContext) -> String?) {
        self.name = name
        self.value = value
    }
}

/// The variables under one prefix (`purchase.*`): the names a template may use and, for one
/// message, their values.
///
/// Both come from the one list of ``variables``, so what `check` allows and what rendering
/// fills cannot drift apart.
protocol TemplateVariableGroup {
    associatedtype Source
    /// The part before the dot (`purchase`).
    static var prefix: String { get }
    static var variables: [TemplateVariable<Source>] { get }
}

extension TemplateVariableGroup {
    /// The full names templates may use (`purchase.item`).
    static var names: [String] { variables.map { "\(prefix).\($0.name)" } }
}
