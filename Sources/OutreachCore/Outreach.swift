import Foundation

/// A configured outreachd: configuration, templates, customer store and ledger, opened together.
///
/// Commands and the daemon get one of these from ``open(configFile:)``, which fails with every
/// problem found (config, templates, strict variables) rather than the first.
public struct Outreach: Sendable {
    public var configuration: Configuration
    public var templates: TemplateSet
    public var store: any CustomerStore
    public var ledger: any LedgerReader
    /// Set when the ledger is missing or empty and was read as empty (read-only commands only).
    public var ledgerNotice: String?

    public init(configuration: Configuration, templates: TemplateSet, store: any CustomerStore, ledger: any LedgerReader) {
        self.configuration = configuration
        self.templates = templates
        self.store = store
        self.ledger = ledger
    }

    /// Loads configuration and templates and checks every rule's templates; no database is opened.
    public static func loadDefinitions(configFile: String) throws(DiagnosticError) -> (Configuration, TemplateSet) {
        let configuration = try ConfigurationLoader.load(file: configFile)
        let (templates, diagnostics) = TemplateSet.load(folder: configuration.templates.path)
        var problems = diagnostics
        for rule in configuration.rules {
            problems += templates.validate(rule: rule, channel: configuration.channels[rule.channel], configuration: configuration)
        }
        guard problems.isEmpty else { throw DiagnosticError(problems) }
        return (configuration, templates)
    }

    /// Opens the store read-only and the ledger read-only: `preview`, `explain`, `forecast`.
    ///
    /// A state database that does not exist yet (or is empty) reads as an empty ledger, and
    /// nothing is created; ``ledgerNotice`` then says so, for the command to show.
    public static func open(configFile: String) throws -> Outreach {
        let (configuration, templates) = try loadDefinitions(configFile: configFile)
        let store = try configuration.openStore()
        do {
            return Outreach(configuration: configuration, templates: templates, store: store, ledger: try configuration.openLedger(.read))
        } catch let error as LedgerError where error.isLost {
            var outreach = Outreach(configuration: configuration, templates: templates, store: store, ledger: EmptyLedger())
            outreach.ledgerNotice = "\(error.description) Until then this shows what a first run would send."
            return outreach
        }
    }

    /// What `run` needs: the definitions, the store, the ledger open for delivery (it must exist:
    /// only `init` creates one) and every channel proven able to deliver, before anything is queued.
    public struct Delivery: Sendable {
        public var outreach: Outreach
        public var ledger: any Ledger
        public var channels: [String: any Channel]
        /// Problems that stop nothing (a secret file others can read), for the log.
        public var warnings: [Diagnostic]
    }

    /// Opens everything `run` needs, or throws every reason it could not deliver.
    ///
    /// - Parameter ledger: the ledger already open, on a reload (a delivering SQLite ledger holds
    ///   its file lock for the life of the process); `nil` opens `[state] url` for delivery.
    public static func openForDelivery(configFile: String, environment: [String: String] = ProcessInfo.processInfo.environment,
                                       keeping ledger: (any Ledger)? = nil) throws -> Delivery {
        let (configuration, templates) = try loadDefinitions(configFile: configFile)
        let (channels, diagnostics) = configuration.prepareChannels(environment: environment)
        let errors = diagnostics.filter(\.isError)
        guard errors.isEmpty else { throw DiagnosticError(errors) }
        let store = try configuration.openStore(environment: environment)
        let ledger = try ledger ?? configuration.openLedger(.deliver)
        return Delivery(outreach: Outreach(configuration: configuration, templates: templates, store: store, ledger: ledger),
                        ledger: ledger, channels: channels, warnings: diagnostics.filter { !$0.isError })
    }

    /// Whether the store has a row for `customerID`, readable or not (`explain` then says why not).
    public func storeHolds(customerID: String) throws -> Bool {
        let found = try store.customers(ids: [customerID])
        return found.rows[customerID] != nil || !found.rejected.isEmpty
    }

    /// The address `customer` has for `channel`, if any.
    public static func recipient(_ customer: Customer, channel: ChannelConfiguration) -> String? {
        let raw: String?
        switch channel.address {
        case .email: raw = customer.email
        case .phone: raw = customer.phone
        }
        guard let raw else { return nil }
        let value = raw.trimmingWhitespaceAndNewlines()
        return value.isEmpty ? nil : value
    }

    /// Decides every occurrence due from `lookback` before the rules' lateness windows up to `horizon` after `now`.
    ///
    /// - Parameters:
    ///   - lookback: extra past to consider, so occurrences whose deadline passed are seen (and can be recorded as expired).
    ///   - horizon: future to consider (`forecast`, `explain`).
    ///   - customerID: narrows everything to one customer.
    ///   - ruleName: narrows the result to one rule; every rule is still planned, since the frequency
    ///     cap decides between rules.
    public func plan(at now: Date, lookback: TimeSpan = TimeSpan(seconds: 0), horizon: TimeSpan = TimeSpan(seconds: 0),
                     customerID: String? = nil, ruleName: String? = nil) throws -> Plan {
        var plan = try occurrences(at: now, lookback: lookback, horizon: horizon, customerID: customerID)
        try decide(&plan)
        if let ruleName {
            plan.entries.removeAll { $0.occurrence.rule.name != ruleName }
            plan.skipped.removeAll { $0.rule != ruleName }
            plan.notes = plan.notes.filter { $0.key == ruleName }
        }
        try addUnreadableRows(to: &plan, customerID: customerID)
        return plan
    }

    /// Every occurrence the rules find due from `lookback` before their lateness windows up to
    /// `horizon` after `now`, undecided (each entry's outcome is `.due` until ``decide(_:)``),
    /// with the rows they skipped.
    func occurrences(at now: Date, lookback: TimeSpan, horizon: TimeSpan, customerID: String? = nil) throws -> Plan {
        var plan = Plan(now: now)
        let context = RuleContext(store: store, defaultZone: configuration.schedule.timezone)
        let rules = configuration.rules.filter { configuration.channels[$0.channel] != nil }
        // The rules read the store side by side (each query on its own connection), and their
        // yields are taken in the configuration's order, so the plan is the same either way.
        let results = Locked<[Result<RuleYield, any Error>?]>(Array(repeating: nil, count: rules.count))
        DispatchQueue.concurrentPerform(iterations: rules.count) { i in
            let config = rules[i]
            let start = now.addingTimeInterval(-(config.maxLateness.timeInterval + lookback.timeInterval))
            let result = Result { try config.occurrences(dueIn: start...now.addingTimeInterval(horizon.timeInterval), customerID: customerID, context: context) }
            results.withLock { $0[i] = result }
        }
        let yields = try results.withLock { $0 }.map { try $0!.get() }
        plan.entries.reserveCapacity(yields.reduce(0) { $0 + $1.occurrences.count })
        for (config, yield) in zip(rules, yields) {
            let channel = configuration.channels[config.channel]!
            let shared = Shared(channel)
            for occurrence in yield.occurrences {
                plan.entries.append(PlanEntry(occurrence: occurrence, channel: shared, recipient: Self.recipient(occurrence.customer, channel: channel), outcome: .due))
            }
            plan.skipped += yield.skipped
            plan.unreadable += yield.unreadable
            if !yield.notes.isEmpty { plan.notes[config.name] = yield.notes }
        }
        return plan
    }

    /// Decides the outcome of every entry of `plan` at its instant, from the ledger's records, cap
    /// events and suppressions for those entries (and no others).
    ///
    /// - Parameter unrecorded: how many entries, from the first, are known not to be in the ledger
    ///   (an ``EvaluationMemory``'s pending ones): their records are not asked for.
    func decide(_ plan: inout Plan, unrecorded: Int = 0) throws {
        guard !plan.entries.isEmpty else { return }
        var history = Planner.History()
        history.records = try ledger.records(keys: plan.entries[unrecorded...].map(\.occurrence.key))
        history.suppressed = try ledger.suppressed(addresses: plan.entries.compactMap(\.recipient))
        let planner = Planner(sendWindow: configuration.schedule.sendWindow, cap: configuration.schedule.maxPerCustomer)
        if let cap = configuration.schedule.maxPerCustomer {
            // Only customers with an entry left to schedule: the cap decides nothing else.
            let now = plan.now
            var open: Set<String> = []
            for entry in plan.entries where planner.settled(entry, history: history, now: now) == nil { open.insert(entry.occurrence.customer.id) }
            history.capEvents = try ledger.capEvents(customerIDs: Array(open), since: plan.now.addingTimeInterval(-cap.period.timeInterval))
        }
        planner.decide(&plan.entries, history: history, now: plan.now)
    }

    /// Adds the store rows no rule's query can find to those the rules could not use, each once
    /// (several rules may fetch the same bad row).
    func addUnreadableRows(to plan: inout Plan, customerID: String?) throws {
        var seen: Set<UnreadableRow> = []
        plan.unreadable = (plan.unreadable + (try store.unreadableRows(customerID: customerID, limit: 100))).filter { seen.insert($0).inserted }
    }

    /// Renders the message of `entry`.
    public func render(_ entry: PlanEntry) throws(RenderError) -> RenderedMessage {
        try templates.render(entry.occurrence, configuration: configuration)
    }
}
