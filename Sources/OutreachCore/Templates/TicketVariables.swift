/// `ticket.*`: the ticket an occurrence is about (``Occurrence/About/ticket``), and which follow-up it is.
enum TicketVariables: TemplateVariableGroup {
    static let prefix = "ticket"
    static let variables: [TemplateVariable<(ticket: Ticket, followUp: Int)>] = [
        TemplateVariable("id") { about, _ in about.ticket.id },
        TemplateVariable("subject") { about, _ in about.ticket.subject },
        TemplateVariable("status") { about, _ in about.ticket.status },
        TemplateVariable("opened_at") { about, context in context.date(about.ticket.openedAt) },
        TemplateVariable("follow_up") { about, _ in String(about.followUp) },
    ]
}
