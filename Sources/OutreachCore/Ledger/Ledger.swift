import Foundation

/// What the planner needs from the daemon's own records: which keys are already taken, how many
/// messages each customer recently got (the frequency cap), and the do-not-contact list.
public protocol LedgerReader: Sendable {
    /// The records of those `keys` the ledger holds.
    func records(keys: [String]) throws -> [String: LedgerRecord]
    /// Per customer, the times of messages since `since` that count towards the cap.
    func capEvents(customerIDs: [String], since: Date) throws -> [String: [Date]]
    /// Which of `addresses` are on the suppression list, as their ``ContactAddress/key(for:)`` spellings.
    func suppressed(addresses: [String]) throws -> Set<String>
}

/// The ledger: every occurrence under its dedupe key and where it stands, the do-not-contact list,
/// and the daemon's own figures. SQLite for one machine, PostgreSQL shared by several instances.
///
/// Every write is one transaction, durably committed before it returns: a row reported queued
/// survives a crash. Every state change names the states it may leave (``LedgerTransition``), and
/// a claimed row changes only through the claim that holds it.
public protocol Ledger: LedgerReader, AnyObject {
    /// Where it is, for messages and logs (a file path, or a URL without its password).
    var location: String { get }
    /// How long a claim holds a row before another instance may take it over; `nil` when only
    /// one process can use the ledger (SQLite's file lock), so claims never run out.
    var lease: TimeSpan? { get }

    /// Fails when the ledger this process opened is no longer the one at ``location`` (a SQLite
    /// file removed or replaced under a running daemon): writing on would record into nothing.
    func checkHealth() throws
    /// A token that stays the same while no other process changes the ledger (this process's own
    /// writes do not count); `nil` when the ledger cannot tell cheaply. The daemon's next tick
    /// relies on what it found at the last one only while the token holds.
    func dataVersion() throws -> DataVersion?

    // MARK: Queueing

    /// Inserts the items whose keys the ledger does not hold yet, each once, ever; queued items
    /// are inserted only while their customer stays within `cap` (checked and inserted under one
    /// lock per customer, so instances evaluating at once cannot both fill it).
    func enqueue(_ items: [OutboxItem], cap: FrequencyCap?, now: Date) throws -> EnqueueReport

    // MARK: Delivery

    /// Makes rows a crashed run left claimed available again, with the same key (so the same
    /// Message-ID / Idempotency-Key). Never touches a live instance's claims; returns how many.
    func recoverInterrupted(now: Date) throws -> Int
    /// Claims up to `limit` rows due now (queued, retries whose time came, claims whose lease ran
    /// out), oldest due first; each returned item carries its claim.
    func claim(now: Date, limit: Int) throws -> [OutboxItem]
    /// Extends the lease of claims still held (an attempt under way, a row waiting its turn).
    func renew(_ claimed: [OutboxItem], now: Date) throws
    /// Puts claimed rows that were never attempted back in the queue (a stop between claim and send).
    func release(_ claimed: [OutboxItem], now: Date) throws
    /// Records where attempts left their claimed rows, all in one transaction: one durable commit
    /// for the group (the deliverer's group commit). For each outcome, in order: `false` when its
    /// claim was lost (taken over after its lease ran out), in which case its row did not change.
    func record(_ outcomes: [LedgerOutcome], now: Date) throws -> [Bool]
    /// Expires queued and retrying rows whose deadline has passed; returns how many.
    @discardableResult
    func expireOverdue(now: Date) throws -> Int
    /// Rows still waiting to be delivered: queued or waiting to retry. Rows whose attempt is under
    /// way (another instance's, on a shared ledger) are not counted.
    func pendingCount() throws -> Int
    /// The row of `key`, if any.
    func item(key: String) throws -> OutboxItem?

    // MARK: The do-not-contact list

    /// Adds `address` in its one spelling (``ContactAddress/key(for:)``); false if it was there.
    @discardableResult
    func suppress(_ address: String, reason: String, now: Date) throws -> Bool
    /// Removes `address`; false if it was not on the list.
    @discardableResult
    func unsuppress(_ address: String) throws -> Bool
    /// The whole list, by address.
    func suppressions() throws -> [Suppression]

    // MARK: Personal data

    /// Erases the personal data of finished rows (sent, failed, expired) last changed before
    /// `cutoff`: address, name, subject, body, the customer's fields, the server's reply and the
    /// error text (which may quote the address). The key, rule, state, failure class and times
    /// stay, and with them the promise that nothing is sent twice. Returns how many rows.
    @discardableResult
    func eraseFinished(before cutoff: Date, now: Date) throws -> Int
    /// Erases every row of `customerID` as ``eraseFinished(before:now:)`` does, whatever its age,
    /// and in the same transaction suppresses the addresses those rows name and `addresses` (the
    /// ones the store has for the customer). Rows still waiting (queued, retrying) fail for good
    /// as suppressed; a row whose attempt is under way is erased and its attempt runs out.
    func forget(customerID: String, addresses: [String], now: Date) throws -> ForgetReport

    // MARK: Ticks and figures

    /// When the rules were last evaluated, so the next tick can look back over a downtime.
    func lastTick() throws -> Date?
    func setLastTick(_ date: Date) throws
    /// Records how long the last tick took (for `status --format prometheus`).
    func setLastTickDuration(_ seconds: Double) throws
    /// Row counts by rule and state.
    func counts() throws -> [LedgerCount]
    /// The latest failed, expired or retrying rows, newest first.
    func recentProblems(limit: Int) throws -> [OutboxItem]
    /// The figures `status --format prometheus` prints, as of `now`.
    func metrics(now: Date) throws -> LedgerMetrics
}

extension Ledger {
    /// Records where an attempt left a claimed row; `false` when the claim was lost (taken over
    /// after its lease ran out), in which case nothing changed.
    @discardableResult
    public func record(_ claimed: OutboxItem, _ transition: LedgerTransition, now: Date) throws -> Bool {
        try record([LedgerOutcome(claimed, transition)], now: now).first ?? false
    }
}

/// What ``Ledger/enqueue(_:cap:now:)`` did.
public struct EnqueueReport: Sendable, Equatable {
    /// Rows inserted.
    public var inserted = 0
    /// Of those, rows inserted as `queued` (to deliver).
    public var queued = 0
    /// Queued items not inserted because another message (another instance's, queued meanwhile)
    /// holds the customer's cap; the next tick plans them again.
    public var heldByCap = 0

    public init(inserted: Int = 0, queued: Int = 0, heldByCap: Int = 0) {
        self.inserted = inserted
        self.queued = queued
        self.heldByCap = heldByCap
    }
}

/// What ``Ledger/forget(customerID:addresses:now:)`` did.
public struct ForgetReport: Sendable, Equatable {
    /// Rows whose personal data was erased (rows erased before, by retention, count too).
    public var erased = 0
    /// Of those, rows that were still waiting to be sent and now failed for good.
    public var withdrawn = 0
    /// Every address of the customer now on the do-not-contact list, in its one spelling
    /// (``ContactAddress/key(for:)``), sorted; those already there included.
    public var suppressed: [String] = []

    /// The suppression list's reason for the addresses `forget` adds; it names no customer.
    public static let reason = "erased by outreachd forget"

    public init(erased: Int = 0, withdrawn: Int = 0, suppressed: [String] = []) {
        self.erased = erased
        self.withdrawn = withdrawn
        self.suppressed = suppressed
    }
}

/// One entry of the do-not-contact list.
public struct Suppression: Sendable, Hashable {
    public var address: String
    public var reason: String
    public var since: Date
}

/// How many rows of one rule are in one state.
public struct LedgerCount: Sendable, Hashable {
    public var rule: String
    public var state: LedgerState
    public var count: Int
}

/// The ledger of a daemon that has never run: nothing sent, nothing suppressed.
public struct EmptyLedger: LedgerReader {
    public init() {}
    public func records(keys: [String]) throws -> [String: LedgerRecord] { [:] }
    public func capEvents(customerIDs: [String], since: Date) throws -> [String: [Date]] { [:] }
    public func suppressed(addresses: [String]) throws -> Set<String> { [] }
}
