import Foundation

/// The rows of the three tables, read the same way from either store.
extension StoreRowReader {
    /// A `customers` row; unknown consent, a missing id or text that is not UTF-8 rejects it.
    mutating func customer() -> Customer {
        Customer(id: id("id") ?? "", name: text("name") ?? "", email: text("email"), phone: text("phone"),
                 locale: text("locale"), timezone: text("timezone"), birthday: text("birthday"), tier: text("tier"),
                 optedOut: consent("opted_out"), createdAt: text("created_at"))
    }

    /// A `purchases` row; an amount that is not a number rejects it rather than reading as no amount.
    mutating func purchase() -> Purchase {
        Purchase(id: id("id") ?? "", customerID: id("customer_id") ?? "", purchasedAt: text("purchased_at") ?? "",
                 amount: number("amount"), currency: text("currency"), item: text("item"))
    }

    /// A `tickets` row; its status must be one of the four, exactly.
    mutating func ticket() -> Ticket {
        Ticket(id: id("id") ?? "", customerID: id("customer_id") ?? "", subject: text("subject"), status: status("status"),
               openedAt: timestamp("opened_at") ?? "", updatedAt: text("updated_at") ?? "", solvedAt: text("solved_at"))
    }
}

extension StoreRows {
    /// Reads `row` of `table` through `decode`: kept when read whole, else rejected with why.
    mutating func read<T>(_ row: any StoreRowCells, table: String, _ decode: (inout StoreRowReader) -> T) where Rows == [T] {
        var reader = StoreRowReader(row, table: table)
        let value = decode(&reader)
        if reader.problems.isEmpty {
            rows.append(value)
        } else {
            rejected += reader.rejections(customerColumn: table == "customers" ? "id" : "customer_id")
        }
    }
}

extension StoreRows where Rows == [(customerID: String, amount: Double?)] {
    /// Each customer's total; a customer with an amount that is not a number has none (it is
    /// unknown, not smaller), and the rejected rows say why.
    var totals: StoreRows<[String: Double]> {
        let unknown = Set(rejected.compactMap(\.customerID))
        var spend: [String: Double] = [:]
        for (id, amount) in rows where !unknown.contains(id) { spend[id, default: 0] += amount ?? 0 }
        return StoreRows<[String: Double]>(spend, rejected: rejected)
    }
}
