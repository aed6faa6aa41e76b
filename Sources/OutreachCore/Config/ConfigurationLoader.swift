import Foundation
import TOMLKit

/// Reads and validates the TOML configuration, reporting every problem at once.
///
/// Errors are collected rather than thrown one by one, so that `outreachd check` shows all of them
/// with their lines in one run.
public enum ConfigurationLoader {
    /// Loads `file`, or throws every problem found in it.
    public static func load(file: String) throws(DiagnosticError) -> Configuration {
        let (config, diagnostics) = read(file: file)
        guard let config, diagnostics.isEmpty else { throw DiagnosticError(diagnostics) }
        return config
    }

    /// The configuration (when it could be built) and every problem found.
    public static func read(file rawFile: String) -> (Configuration?, [Diagnostic]) {
        let file = rawFile.hasPrefix("/") ? rawFile : Paths.resolve(rawFile, relativeTo: FileManager.default.currentDirectoryPath)
        guard let data = FileManager.default.contents(atPath: file) else {
            return (nil, [Diagnostic(file: rawFile, line: nil, "cannot read the configuration file (\(FileManager.default.fileExists(atPath: file) ? "permission denied" : "no such file"))")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return (nil, [Diagnostic(file: rawFile, line: nil, "the configuration is not valid UTF-8")])
        }
        return parse(text, file: file, displayName: rawFile)
    }

    /// Parses configuration text; `file` anchors relative paths, `displayName` is used in messages.
    public static func parse(_ text: String, file: String, displayName: String? = nil) -> (Configuration?, [Diagnostic]) {
        let sink = DiagnosticSink(file: displayName ?? file, locator: TOMLKeyLocator(text: text))
        if let line = TOMLHeaderGuard.lineOfKeylessHeader(in: text) {
            return (nil, [Diagnostic(file: sink.file, line: line, "a table header starts with its name: [store], [[rules]] or [\"quoted name\"]")])
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            // "Error while parsing decimal integer: … is not representable in 64 bits" says what, not for which key.
            let key = sink.locator.path(onLine: error.source.begin.line).map { "\($0): " } ?? ""
            return (nil, [Diagnostic(file: sink.file, line: error.source.begin.line, "\(key)\(error.description) (column \(error.source.begin.column))")])
        } catch {
            return (nil, [Diagnostic(file: sink.file, line: nil, "\(error)")])
        }
        let folder = Paths.folder(of: file)
        let top = TableReader(root, path: "", sink: sink)

        let storeTable = top.table("store", required: true)
        let store = storeTable.flatMap { $0.database("url", folder: folder, required: true) }
        storeTable?.finish()
        let stateTable = top.table("state", required: true)
        let state = stateTable.flatMap { $0.database("url", folder: folder, required: true) }
        let lease = stateTable?.timeSpan("lease", in: ConfigurationLimits.lease)
        let retain = stateTable?.timeSpan("retain", in: ConfigurationLimits.retain)
        stateTable?.finish()

        var schedule = Configuration.Schedule()
        if let t = top.table("schedule") {
            if let v = t.timeSpan("interval", in: ConfigurationLimits.interval) { schedule.interval = v }
            if let v = t.string("timezone") {
                if let zone = TimeZone(identifier: v) { schedule.timezone = zone } else { t.error("timezone", "unknown time zone \"\(v)\" (use an IANA name such as \"Europe/Budapest\")") }
            }
            if let v = t.parsed("send_window", SendWindow.parse) { schedule.sendWindow = v }
            if let v = t.parsed("max_per_customer", FrequencyCap.parse) { schedule.maxPerCustomer = v }
            if let v = t.string("default_locale") { schedule.defaultLocale = v }
            if let v = t.timeSpan("drain_timeout", in: ConfigurationLimits.drainTimeout) { schedule.drainTimeout = v }
            t.finish()
        }

        var company: [String: String] = [:]
        if let t = top.table("company") {
            for key in t.keys {
                if let v = t.string(key) { company[key] = v }
            }
            t.finish()
        }

        var templates = Configuration.Templates(path: Paths.resolve("templates", relativeTo: folder))
        if let t = top.table("templates") {
            if let v = t.string("path") { templates.path = Paths.resolve(v, relativeTo: folder) }
            if let v = t.string("unsubscribe_url") {
                if v.hasPrefix("https://") || v.hasPrefix("http://") || v.hasPrefix("mailto:") { templates.unsubscribeURL = v } else { t.error("unsubscribe_url", "unsubscribe_url must be an https://, http:// or mailto: URL") }
            }
            t.finish()
        }

        var channels: [String: ChannelConfiguration] = [:]
        // Channels whose table is there but unusable: rules naming them get no second error for it.
        var brokenChannels: Set<String> = []
        if let t = top.table("channels") {
            for name in t.keys.sorted() {
                if let c = t.table(name), let channel = readChannel(c, name: name, folder: folder) { channels[name] = channel } else { brokenChannels.insert(name) }
            }
            t.finish()
        }

        var rules: [RuleConfiguration] = []
        for (index, r) in top.tableArray("rules").enumerated() {
            if let rule = readRule(r, channels: channels, brokenChannels: brokenChannels, templatesFolder: templates.path) {
                if rules.contains(where: { $0.name == rule.name }) {
                    r.error("name", "rule name \"\(rule.name)\" is used by rule \(index) and an earlier rule; names must be unique")
                }
                rules.append(rule)
            }
        }
        top.finish()

        guard let store, let state else { return (nil, sink.diagnostics) }
        var config = Configuration(file: file, store: store, state: state, schedule: schedule, templates: templates)
        config.storeLine = sink.locator.line("store.url")
        config.stateLine = sink.locator.line("state.url")
        if let lease { config.lease = lease }
        if let retain { config.retain = retain }
        config.company = company
        config.channels = channels
        config.rules = rules
        return (config, sink.diagnostics)
    }

    private static func readChannel(_ t: TableReader, name: String, folder: String) -> ChannelConfiguration? {
        defer { t.finish() }
        guard let kind = t.choice("kind", ChannelConfiguration.Kind.self, required: true) else {
            // Which keys belong here depends on the kind: with none, the others are not "unknown".
            t.abandon()
            return nil
        }
        var c = ChannelConfiguration(name: name, kind: kind)
        if let v = t.choice("address", ChannelConfiguration.AddressField.self) { c.address = v }
        switch kind {
        case .smtp:
            c.url = t.string("url", required: true)
            if let url = c.url, !(url.hasPrefix("smtp://") || url.hasPrefix("smtps://")) { t.error("url", "an smtp channel's url must start with smtp:// or smtps://") }
            if let v = t.choice("tls", ChannelConfiguration.TLSPolicy.self) { c.tls = v }
            if c.tls == .none, let url = c.url, !isLoopback(url) { t.error("tls", "tls = \"none\" is allowed only for a loopback host (127.0.0.1, ::1, localhost)") }
            c.username = t.string("username")
            c.passwordFile = t.string("password_file").map { Paths.resolve($0, relativeTo: folder) }
            c.caFile = t.string("ca_file").map { Paths.resolve($0, relativeTo: folder) }
            c.from = t.string("from", required: true)
            for (key, keyPath) in [("connect_timeout", \ChannelConfiguration.connectTimeout), ("command_timeout", \.commandTimeout), ("data_timeout", \.dataTimeout)] {
                if let v = t.timeSpan(key, in: ConfigurationLimits.timeout) { c[keyPath: keyPath] = v }
            }
        case .http:
            c.url = t.string("url", required: true)
            if let url = c.url, !(url.hasPrefix("https://") || url.hasPrefix("http://")) { t.error("url", "an http channel's url must start with https:// or http://") }
            c.secretFile = t.string("secret_file").map { Paths.resolve($0, relativeTo: folder) }
            c.caFile = t.string("ca_file").map { Paths.resolve($0, relativeTo: folder) }
        case .maildir:
            c.path = Paths.resolve(t.string("path") ?? "Maildir", relativeTo: folder)
            c.from = t.string("from") ?? c.from
        }
        if let v = t.int("concurrency", in: ConfigurationLimits.concurrency) { c.concurrency = v }
        if let v = t.parsed("rate", DeliveryRate.parse) { c.ratePerSecond = v }
        if let v = t.timeSpan("timeout", in: ConfigurationLimits.timeout) { c.timeout = v }
        return c
    }

    private static func readRule(_ t: TableReader, channels: [String: ChannelConfiguration], brokenChannels: Set<String>,
                                 templatesFolder: String) -> RuleConfiguration? {
        defer { t.finish() }
        let name = t.string("name", required: true)
        let kindName = t.string("kind", required: true)
        let channel = t.string("channel", required: true)
        let template = t.string("template", required: true)
        if let channel, channels[channel] == nil, !brokenChannels.contains(channel) {
            t.error("channel", "rule \"\(name ?? "?")\" names channel \"\(channel)\", which no [channels.\(channel)] table defines")
        }
        if let template {
            if template.isEmpty || template.contains("/") || template.contains(".") {
                t.error("template", "template \"\(template)\" must be a bare name such as \"birthday\" (the file is NAME.txt in the templates folder)")
            } else if !FileManager.default.fileExists(atPath: Paths.resolve(template + ".txt", relativeTo: templatesFolder)) {
                t.error("template", "rule \"\(name ?? "?")\" names template \"\(template)\", but \(Paths.resolve(template + ".txt", relativeTo: templatesFolder)) does not exist")
            }
        }
        var kind: (any RuleKind)?
        if let kindName {
            if let type = RuleConfiguration.kinds.first(where: { $0.name == kindName }) {
                kind = type.read(t)
            } else {
                t.error("kind", "unknown rule kind \"\(kindName)\" (one of: \(RuleConfiguration.kindNames.joined(separator: ", ")))")
                t.abandon()
            }
        } else {
            // No kind (reported as missing or mistyped): its keys cannot be told from unknown ones.
            t.abandon()
        }
        let priority = t.int("priority", in: ConfigurationLimits.priority)
        let sendAt = t.parsed("send_at", TimeOfDay.parse)
        let lateness = t.timeSpan("max_lateness", in: ConfigurationLimits.maxLateness)
        guard let name, let kind, let channel, let template else { return nil }
        var rule = RuleConfiguration(name: name, kind: kind, channel: channel, template: template)
        rule.priority = priority ?? 0
        rule.sendAt = sendAt
        if let lateness { rule.maxLateness = lateness }
        return rule
    }

    static func isLoopback(_ url: String) -> Bool {
        guard let scheme = url.range(of: "://") else { return false }
        var host = url[scheme.upperBound...].prefix { $0 != "/" }
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        if host.hasPrefix("[") { return host.hasPrefix("[::1]") }
        let name = String(host.prefix { $0 != ":" })
        return name == "localhost" || name.range(of: #"^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$"#, options: .regularExpression) != nil
    }
}

/// Collects diagnostics while the configuration is read; lives only for one parse.
final class DiagnosticSink {
    let file: String
    let locator: TOMLKeyLocator
    private(set) var diagnostics: [Diagnostic] = []

    init(file: String, locator: TOMLKeyLocator) {
        self.file = file
        self.locator = locator
    }

    func add(path: String, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: locator.line(path), message))
    }
}

/// Typed access to one TOML table that remembers which keys were read, so the rest are reported as unknown.
final class TableReader {
    private let table: TOMLTable
    let path: String
    private let sink: DiagnosticSink
    private var used: Set<String> = []
    /// Set when the table cannot be interpreted (no usable `kind`): its other keys are not reported as unknown.
    private var abandoned = false

    init(_ table: TOMLTable, path: String, sink: DiagnosticSink) {
        self.table = table
        self.path = path
        self.sink = sink
    }

    var keys: [String] { table.keys }

    private func full(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func error(_ key: String, _ message: String) { sink.add(path: full(key), message) }

    private func value(_ key: String, required: Bool) -> TOMLValueConvertible? {
        used.insert(key)
        guard let v = table[key] else {
            if required { sink.add(path: path, "missing key \"\(full(key))\"") }
            return nil
        }
        return v
    }

    private func mismatch(_ key: String, _ expected: String) {
        error(key, "\(full(key)) must be \(expected)")
    }

    func string(_ key: String, required: Bool = false) -> String? {
        guard let v = value(key, required: required) else { return nil }
        guard let s = v.string else { mismatch(key, "a string"); return nil }
        return s
    }

    /// Whether the table has `key` at all (read or not).
    func has(_ key: String) -> Bool { table.contains(key: key) }

    func int(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let v = value(key, required: false) else { return nil }
        guard let i = v.int else { mismatch(key, "a whole number \(ConfigurationLimits.describe(range))"); return nil }
        guard range.contains(i) else {
            error(key, "\(full(key)) = \(i) is too \(i < range.lowerBound ? "small" : "large"): \(key) must be \(ConfigurationLimits.describe(range))")
            return nil
        }
        return i
    }

    /// A finite number within `range` (TOML also has `inf` and `nan`, which no amount is).
    func double(_ key: String, in range: ClosedRange<Double>) -> Double? {
        guard let v = value(key, required: false) else { return nil }
        guard let d = v.double ?? v.int.map(Double.init) else { mismatch(key, "a number"); return nil }
        guard d.isFinite, range.contains(d) else {
            error(key, "\(full(key)) = \(d) is not an amount: \(key) must be a finite number, \(range.lowerBound == 0 ? "0 or more" : "at least \(range.lowerBound)")")
            return nil
        }
        return d
    }

    func bool(_ key: String) -> Bool? {
        guard let v = value(key, required: false) else { return nil }
        guard let b = v.bool else { mismatch(key, "true or false"); return nil }
        return b
    }

    /// A duration within `range`; the message says whether it is malformed, too short or too long, and the range.
    func timeSpan(_ key: String, in range: ClosedRange<TimeSpan>, required: Bool = false) -> TimeSpan? {
        guard let s = string(key, required: required) else { return nil }
        let outside = "\(full(key)) = \"\(s)\" is too"
        let allowed = "\(key) must be \(ConfigurationLimits.describe(range))"
        switch TimeSpan.parse(s) {
        case .failure(.notADuration):
            error(key, "\(full(key)) = \"\(s)\" is not a duration (a whole number followed by s, m, h or d, such as \"30s\", \"15m\", \"48h\", \"14d\")")
        case .failure(.tooLong):
            error(key, "\(outside) long: \(allowed)")
        case .success(let d) where d < range.lowerBound:
            error(key, "\(outside) short: \(allowed)")
        case .success(let d) where d > range.upperBound:
            error(key, "\(outside) long: \(allowed)")
        case .success(let d):
            return d
        }
        return nil
    }

    /// A string value that `parse` accepts; its refusal is reported as `KEY = "VALUE": reason`.
    func parsed<T>(_ key: String, _ parse: (String) -> Result<T, InvalidValue>) -> T? {
        guard let s = string(key) else { return nil }
        switch parse(s) {
        case .success(let value): return value
        case .failure(let reason):
            error(key, "\(full(key)) = \"\(s)\": \(reason)")
            return nil
        }
    }

    func choice<C: RawRepresentable & CaseIterable>(_ key: String, _ type: C.Type, required: Bool = false) -> C? where C.RawValue == String {
        guard let s = string(key, required: required) else { return nil }
        guard let c = C(rawValue: s) else {
            error(key, "\(full(key)) = \"\(s)\" is not one of: \(C.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            return nil
        }
        return c
    }

    /// `key` as a database URL, with this table's `password_file` for PostgreSQL; a PostgreSQL URL
    /// that cannot be used is reported here, with its line and without its password.
    func database(_ key: String, folder: String, required: Bool) -> DatabaseURL? {
        let passwordFile = string("password_file").map { Paths.resolve($0, relativeTo: folder) }
        guard let s = string(key, required: required) else { return nil }
        guard var url = DatabaseURL(parsing: s, relativeTo: folder) else {
            error(key, "\(full(key)) = \"\(Paths.redactingPassword(s))\" is not sqlite:PATH or postgres://…")
            return nil
        }
        switch url.postgres(relativeTo: folder) {
        case nil:
            if passwordFile != nil { error("password_file", "\(full("password_file")) is only used with a postgres:// url") }
        case .failure(let reason)?:
            error(key, "\(full(key)) = \"\(Paths.redactingPassword(s))\": \(reason)")
            return nil
        case .success(let postgres)?:
            if postgres.password != nil, passwordFile != nil {
                error("password_file", "\(full(key)) has a password and \(full("password_file")) names another; keep one (password_file, so the config holds no secret)")
            }
            url.passwordFile = passwordFile
        }
        return url
    }

    func table(_ key: String, required: Bool = false) -> TableReader? {
        guard let v = value(key, required: required) else { return nil }
        guard let t = v.table else { mismatch(key, "a table"); return nil }
        return TableReader(t, path: full(key), sink: sink)
    }

    func tableArray(_ key: String) -> [TableReader] {
        guard let v = value(key, required: false) else { return [] }
        guard let array = v.array else { mismatch(key, "an array of tables ([[\(key)]])"); return [] }
        var result: [TableReader] = []
        for (i, element) in array.enumerated() {
            guard let t = element.table else { error(key, "\(full(key)) must hold only tables"); continue }
            result.append(TableReader(t, path: "\(full(key))[\(i)]", sink: sink))
        }
        return result
    }

    /// Stops `finish` from reporting unread keys: the table's one error (its `kind`) is all there is to say until it is fixed.
    func abandon() { abandoned = true }

    /// Reports every key of the table that was never read.
    func finish() {
        guard !abandoned else { return }
        for key in table.keys.sorted() where !used.contains(key) {
            sink.add(path: full(key), "unknown key \"\(full(key))\"")
        }
    }
}
