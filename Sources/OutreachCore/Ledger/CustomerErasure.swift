import Foundation

/// `outreachd forget --customer ID`: the right to erasure, for the data outreachd itself keeps.
///
/// The ledger loses the customer's personal data at once and every address the customer is known
/// by goes on the do-not-contact list: the ones the ledger's rows name and the ones the store has
/// now, so a customer who never got a message is not sent the next one either. The store is the
/// business's own and is only read.
public struct CustomerErasure: Sendable {
    public var store: any CustomerStore
    public var ledger: any Ledger

    public init(store: any CustomerStore, ledger: any Ledger) {
        self.store = store
        self.ledger = ledger
    }

    /// Why nothing was erased.
    public struct UnknownCustomer: Error, Sendable, CustomStringConvertible {
        public var customerID: String
        public var store: String
        public var ledger: String

        public var description: String {
            "customer \"\(customerID)\" is neither in the store \(store) nor in the ledger \(ledger); nothing was erased (check the id)"
        }
    }

    /// Erases and suppresses; throws ``UnknownCustomer`` when neither the store nor the ledger
    /// knows the id (a typo must not look like a done erasure).
    ///
    /// - Parameter storeName: the store as the operator knows it, for the message.
    public func forget(customerID: String, storeName: String, now: Date) throws -> ForgetReport {
        let found = try store.customers(ids: [customerID])
        let customer = found.rows[customerID]
        let known = [customer?.email, customer?.phone].compactMap { $0?.trimmingWhitespaceAndNewlines() }.filter { !$0.isEmpty }
        let report = try ledger.forget(customerID: customerID, addresses: known, now: now)
        if customer == nil, found.rejected.isEmpty, report.erased == 0 {
            throw UnknownCustomer(customerID: customerID, store: storeName, ledger: ledger.location)
        }
        return report
    }
}
