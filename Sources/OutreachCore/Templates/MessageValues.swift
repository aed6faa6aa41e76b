/// The values of one message, prepared for rendering: each variable's text in its slot of the
/// template set's ``ValueLayout``, formatted for the customer's language and zone.
///
/// Made by ``TemplateSet/values(for:configuration:formats:)`` for an occurrence, or by
/// ``TemplateSet/values(_:)`` from plain dotted names (benchmarks, tests). Only good for the
/// template set that made it.
public struct MessageValues: Sendable {
    /// The layout the slots follow.
    let layout: ValueLayout
    /// One value per slot; `nil` when the message has none (a purchase without an item).
    var slots: [String?]
    /// Whether the message is about a purchase or a ticket (the `purchase` and `ticket` groups).
    var hasPurchase = false
    var hasTicket = false
    /// Every `company.*` value, for a template that prints the group whole.
    var company: [String: String] = [:]

    init(layout: ValueLayout) {
        self.layout = layout
        self.slots = [String?](repeating: nil, count: layout.count)
    }

    /// Whether the message has a value at `entity` (Mustache's "the key is there").
    func has(_ entity: ValueLayout.Entity) -> Bool {
        switch entity {
        case .root: return true
        case .group(.purchase): return hasPurchase
        case .group(.ticket): return hasTicket
        case .group: return true
        case .slot(let slot): return slots[slot] != nil
        }
    }

    /// The text Mustache printed for a whole group or the root (`{{.}}` inside `{{#customer}}`):
    /// Swift's description of the dictionary. Never used by a template `check` accepts outside a section.
    func described(_ entity: ValueLayout.Entity) -> String {
        switch entity {
        case .slot(let slot): return slots[slot] ?? ""
        case .group(let group): return String(describing: dictionary(group))
        case .root:
            var root: [String: Any] = [:]
            for group in ValueLayout.Group.allCases where has(.group(group)) { root[group.name] = dictionary(group) }
            root[ValueLayout.unsubscribeURL] = slots[ValueLayout.unsubscribeSlot]
            return String(describing: root)
        }
    }

    private func dictionary(_ group: ValueLayout.Group) -> [String: String] {
        if group == .company { return company }
        var values: [String: String] = [:]
        for (key, slot) in layout.keys(of: group) { values[key] = slots[slot] }
        return values
    }
}

extension TemplateSet {
    /// Values for rendering this set's templates from dotted names as templates spell them
    /// (`customer.first_name`, `purchase.item`, `company.name`, `unsubscribe_url`).
    ///
    /// A message is about a purchase (or a ticket) when some name starts with `purchase.`
    /// (or `ticket.`). Names no variable has are ignored.
    public func values(_ named: [String: String]) -> MessageValues {
        layout.values(named)
    }

    /// The values of `occurrence`'s message, formatted for the customer's language and zone.
    ///
    /// - Parameter formats: formatted dates, amounts and locales kept between messages; share
    ///   one across a tick (it is thread-safe).
    func values(for occurrence: Occurrence, configuration: Configuration, formats: ValueFormats) -> MessageValues {
        layout.values(for: occurrence, configuration: configuration, formats: formats)
    }
}

extension ValueLayout {
    /// See ``TemplateSet/values(_:)``.
    func values(_ named: [String: String]) -> MessageValues {
        var values = MessageValues(layout: self)
        for (name, value) in named {
            let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
            if parts.count == 1, name == ValueLayout.unsubscribeURL {
                values.slots[ValueLayout.unsubscribeSlot] = value
                continue
            }
            guard parts.count == 2, let group = ValueLayout.Group.byName[parts[0]] else { continue }
            switch group {
            case .purchase: values.hasPurchase = true
            case .ticket: values.hasTicket = true
            case .company: values.company[parts[1]] = value
            default: break
            }
            if let slot = slot(group, parts[1]) { values.slots[slot] = value }
        }
        return values
    }

    /// See ``TemplateSet/values(for:configuration:formats:)``; only the slots some template uses are filled.
    func values(for occurrence: Occurrence, configuration: Configuration, formats: ValueFormats) -> MessageValues {
        let context = MessageContext(locale: occurrence.customer.locale ?? configuration.schedule.defaultLocale, zone: occurrence.zone, formats: formats)
        var values = MessageValues(layout: self)
        func fill<Group: TemplateVariableGroup>(_: Group.Type, _ source: Group.Source, from first: Int) {
            for (i, variable) in Group.variables.enumerated() where used[first + i] {
                values.slots[first + i] = variable.value(source, context)
            }
        }
        fill(CustomerVariables.self, occurrence.customer, from: ValueLayout.customerSlots.lowerBound)
        fill(RuleVariables.self, occurrence.rule, from: ValueLayout.ruleSlots.lowerBound)
        switch occurrence.subject {
        case .customer:
            break
        case .purchase(let purchase):
            values.hasPurchase = true
            fill(PurchaseVariables.self, purchase, from: ValueLayout.purchaseSlots.lowerBound)
        case .ticket(let ticket, let followUp):
            values.hasTicket = true
            fill(TicketVariables.self, (ticket, followUp), from: ValueLayout.ticketSlots.lowerBound)
        }
        if used[ValueLayout.unsubscribeSlot] {
            values.slots[ValueLayout.unsubscribeSlot] = configuration.templates.unsubscribeURL(customerID: occurrence.customer.id, key: occurrence.key)
        }
        values.company = configuration.company
        for (i, key) in companyKeys.enumerated() {
            values.slots[ValueLayout.companySlots.lowerBound + i] = configuration.company[key]
        }
        return values
    }
}
