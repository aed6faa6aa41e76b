/// A row of `purchases`.
public struct Purchase: Sendable, Hashable {
    public var id: String
    public var customerID: String
    /// ISO 8601 with an offset, as stored.
    public var purchasedAt: String
    public var amount: Double?
    public var currency: String?
    public var item: String?

    public init(id: String, customerID: String, purchasedAt: String, amount: Double? = nil, currency: String? = nil, item: String? = nil) {
        self.id = id
        self.customerID = customerID
        self.purchasedAt = purchasedAt
        self.amount = amount
        self.currency = currency
        self.item = item
    }
}
