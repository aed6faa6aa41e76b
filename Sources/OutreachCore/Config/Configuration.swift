import Foundation

/// The whole daemon configuration, read from TOML by ``ConfigurationLoader``.
///
/// A plain `Sendable` value: a reload builds a new one and swaps it in whole, so a broken edit
/// never leaves half a configuration in force.
public struct Configuration: Sendable {
    /// The configuration file this was read from (absolute).
    public var file: String
    public var store: DatabaseURL
    public var state: DatabaseURL
    /// The lines `[store] url` and `[state] url` are on, for messages about those databases.
    public var storeLine: Int?
    public var stateLine: Int?
    public var schedule: Schedule
    /// `[state] lease`: how long a PostgreSQL ledger's claim holds a row for its instance, which
    /// renews it while the attempt runs; after it, another instance takes the row over.
    /// Defaults to 60 s. (A SQLite ledger has one process under a file lock and needs none.)
    public var lease = TimeSpan(seconds: 60)
    /// `[state] retain`: how long a finished row (sent, failed, expired) keeps its personal data
    /// (address, name, subject, body, the customer's fields); after it only the dedupe key, rule,
    /// state and times stay, which is all that keeps a message from going out twice. Defaults to 90 days.
    public var retain = TimeSpan.days(90)
    /// Free template variables under `company.*`.
    public var company: [String: String] = [:]
    public var templates: Templates
    public var channels: [String: ChannelConfiguration] = [:]
    public var rules: [RuleConfiguration] = []

    /// `[schedule]`.
    public struct Schedule: Sendable, Hashable {
        /// The Dispatch timer's period. Defaults to 60 s.
        public var interval = TimeSpan(seconds: 60)
        /// The zone of customers who have none. Defaults to UTC.
        public var timezone = TimeZone(identifier: "UTC")!
        /// Quiet hours are outside it, in the customer's local time. Defaults to none (any hour).
        public var sendWindow: SendWindow?
        /// Defaults to no cap.
        public var maxPerCustomer: FrequencyCap?
        /// The locale of customers who have none. Defaults to `en`.
        public var defaultLocale = "en"
        /// On SIGTERM, how long in-flight deliveries may take to finish; keep it below systemd's
        /// `TimeoutStopSec`. Defaults to 20 s.
        public var drainTimeout = TimeSpan(seconds: 20)

        public init() {}
    }

    /// `[templates]`.
    public struct Templates: Sendable, Hashable {
        /// The templates folder (absolute). Defaults to `templates` beside the config file.
        public var path: String
        /// `unsubscribe_url`, with `{customer_id}` and `{key}` placeholders. Defaults to none.
        public var unsubscribeURL: String?

        public init(path: String) { self.path = path }

        /// The unsubscribe URL for one message, placeholders filled and percent-encoded; `nil` when not configured.
        public func unsubscribeURL(customerID: String, key: String) -> String? {
            func encoded(_ text: String) -> String {
                text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? text
            }
            return unsubscribeURL?.replacingOccurrences(of: "{customer_id}", with: encoded(customerID)).replacingOccurrences(of: "{key}", with: encoded(key))
        }
    }

    public init(file: String, store: DatabaseURL, state: DatabaseURL, schedule: Schedule = Schedule(), templates: Templates) {
        self.file = file
        self.store = store
        self.state = state
        self.schedule = schedule
        self.templates = templates
    }

    /// The folder relative paths in the file are resolved against.
    public var folder: String { Paths.folder(of: file) }

    /// The default config path: `$OUTREACHD_CONFIG`, else `/etc/outreachd/outreachd.toml`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        environment["OUTREACHD_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? "/etc/outreachd/outreachd.toml"
    }
}
