import Foundation

extension SQLiteCustomerStore {
    /// A `customers` row; unknown consent, a missing id or text that is not UTF-8 rejects it.
    static func customer(_ r: inout StoreRowReader) -> Customer {
        Customer(id: r.id("id") ?? "", name: r.text("name") ?? "", email: r.text("email"), phone: r.text("phone"),
                 locale: r.text("locale"), timezone: r.text("timezone"), birthday: r.text("birthday"), tier: r.text("tier"),
                 optedOut: r.consent("opted_out"), createdAt: r.text("created_at"))
    }

    /// A `purchases` row; an amount that is not a number rejects it rather than reading as no amount.
    static func purchase(_ r: inout StoreRowReader) -> Purchase {
        Purchase(id: r.id("id") ?? "", customerID: r.id("customer_id") ?? "", purchasedAt: r.text("purchased_at") ?? "",
                 amount: r.number("amount"), currency: r.text("currency"), item: r.text("item"))
    }

    /// A `tickets` row; its status must be one of the four, exactly.
    static func ticket(_ r: inout StoreRowReader) -> Ticket {
        Ticket(id: r.id("id") ?? "", customerID: r.id("customer_id") ?? "", subject: r.text("subject"), status: r.status("status"),
               openedAt: r.timestamp("opened_at") ?? "", updatedAt: r.text("updated_at") ?? "", solvedAt: r.text("solved_at"))
    }
}
