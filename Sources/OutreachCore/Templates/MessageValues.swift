/// The values of one message, prepared for rendering: each variable's text in its slot of the
/// template set's ``ValueLayout``, formatted for the customer's language and zone.
///
/// Made by ``ValueLayout/values(for:configuration:formats:)`` when a message is prepared
/// (``TemplateSet/prepare(_:configuration:)``). Only good for the template set that made it.
public struct MessageValues: Sendable {
    /// The layout the slots follow.
    let layout: ValueLayout
    /// One value per slot; `nil` when the message has none (a purchase without an item).
    private(set) var slots: [String?]
    /// The bytes of every value, so that a message is reserved at about its size.
    private(set) var textSize = 0
    /// Whether the message is about a purchase or a ticket (the `purchase` and `ticket` groups).
    var hasPurchase = false
    var hasTicket = false
    /// Every `company.*` value, for a template that prints the group whole.
    var company: [String: String] = [:]

    init(layout: ValueLayout) {
        self.layout = layout
        self.slots = [String?](repeating: nil, count: layout.count)
    }

    /// Sets the value of `slot`.
    mutating func set(_ slot: Int, _ value: String?) {
        textSize += (value?.utf8.count ?? 0) - (slots[slot]?.utf8.count ?? 0)
        slots[slot] = value
    }

    /// Appends the text of `entity` to `out`.
    @inline(__always)
    func append(_ entity: ValueLayout.Entity, to out: inout String) {
        if case .slot(let slot) = entity, let text = slots[slot] {
            out.append(text)
        } else {
            out.append(described(entity))
        }
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

extension ValueLayout {
    /// The values of `occurrence`'s message, formatted for the customer's language and zone; only
    /// the slots some template uses are filled.
    ///
    /// - Parameter formats: formatted dates, amounts and locales kept between messages.
    func values(for occurrence: Occurrence, configuration: Configuration, formats: ValueFormats) -> MessageValues {
        let context = MessageContext(locale: occurrence.customer.locale ?? configuration.schedule.defaultLocale, zone: occurrence.zone, formats: formats)
        var values = MessageValues(layout: self)
        func fill<Group: TemplateVariableGroup>(_: Group.Type, _ source: Group.Source, from first: Int) {
            for (i, variable) in Group.variables.enumerated() where used[first + i] {
                values.set(first + i, variable.value(source, context))
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
            values.set(ValueLayout.unsubscribeSlot, configuration.templates.unsubscribeURL(customerID: occurrence.customer.id, key: occurrence.key))
        }
        values.company = configuration.company
        for (i, key) in companyKeys.enumerated() {
            values.set(ValueLayout.companySlots.lowerBound + i, configuration.company[key])
        }
        return values
    }
}
