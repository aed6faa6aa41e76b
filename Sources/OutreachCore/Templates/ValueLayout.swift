/// Where each value a template can print lives in ``MessageValues``: one slot per variable, so a
/// compiled template finds a value by index instead of looking names up in dictionaries.
///
/// The values of a message form a small tree, as Mustache sees them: the root holds the groups
/// (`customer`, `rule`, `company`, and `purchase` or `ticket` when the message is about one) and
/// `unsubscribe_url`; each group holds its variables. The slots of the fixed groups come from
/// their declared variables; `company.*` keys are the operator's, so a template set gives a slot
/// to every name part its templates use, which covers every company key they can reach.
struct ValueLayout: Sendable, Hashable {
    /// The groups under the root, in slot order.
    enum Group: Int, Sendable, CaseIterable {
        case customer, rule, company, purchase, ticket

        var name: String {
            switch self {
            case .customer: return CustomerVariables.prefix
            case .rule: return RuleVariables.prefix
            case .company: return "company"
            case .purchase: return PurchaseVariables.prefix
            case .ticket: return TicketVariables.prefix
            }
        }

        static let byName: [String: Group] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.name, $0) })
    }

    /// A node of the value tree: the root, a group, or one slot's value.
    enum Entity: Sendable, Hashable {
        case root
        case group(Group)
        case slot(Int)
    }

    /// The root's own value: the unsubscribe URL.
    static let unsubscribeURL = "unsubscribe_url"

    // The fixed groups' slots, in the order of their declared variables.
    static let customerSlots = 0..<CustomerVariables.variables.count
    static let ruleSlots = customerSlots.upperBound..<(customerSlots.upperBound + RuleVariables.variables.count)
    static let purchaseSlots = ruleSlots.upperBound..<(ruleSlots.upperBound + PurchaseVariables.variables.count)
    static let ticketSlots = purchaseSlots.upperBound..<(purchaseSlots.upperBound + TicketVariables.variables.count)
    static let unsubscribeSlot = ticketSlots.upperBound
    static let companySlots = (unsubscribeSlot + 1)...

    /// The `company.*` keys with a slot, in slot order from ``companySlots``'s start.
    private(set) var companyKeys: [String]
    private var slotsByGroup: [[String: Int]]
    /// The slots some template of the set can print (its name parts end in the slot's key):
    /// values no template reaches (a formatted amount no template shows) are not worked out.
    private(set) var used: [Bool]

    var count: Int { used.count }

    /// The layout for templates whose tags use `names` (every dotted part of every tag counts).
    init(names: Set<String>) {
        let split = names.map { $0.split(separator: ".").map(String.init) }
        let parts = Set(split.joined())
        // `company.X` names the key X; a name with `company` elsewhere (a `{{#company}}` section)
        // can reach any key by any of the set's name parts.
        let anyCompanyKey = split.contains { $0.dropFirst().contains(Group.company.name) || $0 == [Group.company.name] }
        companyKeys = anyCompanyKey ? parts.sorted() : Set(split.compactMap { $0.first == Group.company.name && $0.count > 1 ? $0[1] : nil }).sorted()
        var byGroup = [[String: Int]](repeating: [:], count: Group.allCases.count)
        func add(_ group: Group, _ keys: [String], from first: Int) {
            for (i, key) in keys.enumerated() { byGroup[group.rawValue][key] = first + i }
        }
        add(.customer, CustomerVariables.variables.map(\.name), from: Self.customerSlots.lowerBound)
        add(.rule, RuleVariables.variables.map(\.name), from: Self.ruleSlots.lowerBound)
        add(.purchase, PurchaseVariables.variables.map(\.name), from: Self.purchaseSlots.lowerBound)
        add(.ticket, TicketVariables.variables.map(\.name), from: Self.ticketSlots.lowerBound)
        add(.company, companyKeys, from: Self.companySlots.lowerBound)
        slotsByGroup = byGroup
        var keys = [String](repeating: "", count: Self.companySlots.lowerBound + companyKeys.count)
        for group in byGroup {
            for (key, slot) in group { keys[slot] = key }
        }
        keys[Self.unsubscribeSlot] = Self.unsubscribeURL
        // A group printed whole (`{{.}}` in its section) needs every one of its values.
        let wholeGroups = names.contains { name in
            name.split(separator: ".").last.map { Group.byName[String($0)] != nil } ?? true
        }
        used = keys.map { wholeGroups || parts.contains($0) }
    }

    /// The slot of `key` in `group`, if the group has such a variable.
    func slot(_ group: Group, _ key: String) -> Int? {
        slotsByGroup[group.rawValue][key]
    }

    /// The child `part` of `entity`, when it can have one: groups under the root, variables under
    /// a group. Whether the message has a value there is for ``MessageValues/has(_:)`` to say.
    func child(of entity: Entity, _ part: String) -> Entity? {
        switch entity {
        case .root:
            if let group = Group.byName[part] { return .group(group) }
            return part == Self.unsubscribeURL ? .slot(Self.unsubscribeSlot) : nil
        case .group(let group):
            return slot(group, part).map { .slot($0) }
        case .slot:
            // A value is text: it has no children.
            return nil
        }
    }

    /// The keys of `group` with their slots, in slot order (for printing a group whole).
    func keys(of group: Group) -> [(key: String, slot: Int)] {
        slotsByGroup[group.rawValue].map { ($0.key, $0.value) }.sorted { $0.slot < $1.slot }
    }
}
