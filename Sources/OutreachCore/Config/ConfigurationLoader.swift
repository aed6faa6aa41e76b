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
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            return (nil, [Diagnostic(file: sink.file, line: error.source.begin.line, "\(error.description) (column \(error.source.begin.column))")])
        } catch {
            return (nil, [Diagnostic(file: sink.file, line: nil, "\(error)")])
        }
        let folder = Paths.folder(of: file)
        let top = TableReader(root, path: "", sink: sink)

        let store = top.table("store", required: true).flatMap { $0.database("url", folder: folder, required: true) }
        let state = top.table("state", required: true).flatMap { $0.database("url", folder: folder, required: true) }

        var schedule = Configuration.Schedule()
        if let t = top.table("schedule") {
            if let v = t.timeSpan("interval") {
                if v.seconds < 1 { t.error("interval", "interval must be at least 1s") } else { schedule.interval = v }
            }
            if let v = t.string("timezone") {
                if let zone = TimeZone(identifier: v) { schedule.timezone = zone } else { t.error("timezone", "unknown time zone \"\(v)\" (use an IANA name such as \"Europe/Budapest\")") }
            }
            if let v = t.string("send_window") {
                if let w = SendWindow(parsing: v) { schedule.sendWindow = w } else { t.error("send_window", "send_window \"\(v)\" is not HH:MM-HH:MM with two different times") }
            }
            if let v = t.string("max_per_customer") {
                if let c = FrequencyCap(parsing: v) { schedule.maxPerCustomer = c } else { t.error("max_per_customer", "max_per_customer \"\(v)\" is not COUNT/DURATION such as \"1/24h\"") }
            }
            if let v = t.string("default_locale") { schedule.defaultLocale = v }
            if let v = t.timeSpan("drain_timeout") { schedule.drainTimeout = v }
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
        if let t = top.table("channels") {
            for name in t.keys.sorted() {
                if let c = t.table(name), let channel = readChannel(c, name: name, folder: folder) { channels[name] = channel }
            }
            t.finish()
        }

        var rules: [RuleConfiguration] = []
        for (index, r) in top.tableArray("rules").enumerated() {
            if let rule = readRule(r, channels: channels, templatesFolder: templates.path) {
                if rules.contains(where: { $0.name == rule.name }) {
                    r.error("name", "rule name \"\(rule.name)\" is used by rule \(index) and an earlier rule; names must be unique")
                }
                rules.append(rule)
            }
        }
        top.finish()

        guard let store, let state else { return (nil, sink.diagnostics) }
        var config = Configuration(file: file, store: store, state: state, schedule: schedule, templates: templates)
        config.company = company
        config.channels = channels
        config.rules = rules
        return (config, sink.diagnostics)
    }

    private static func readChannel(_ t: TableReader, name: String, folder: String) -> ChannelConfiguration? {
        defer { t.finish() }
        guard let kind = t.choice("kind", ChannelConfiguration.Kind.self, required: true) else { return nil }
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
                if let v = t.timeSpan(key) {
                    if v.seconds >= 1 { c[keyPath: keyPath] = v } else { t.error(key, "\(key) must be at least 1s") }
                }
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
        if let v = t.int("concurrency") {
            if (1...256).contains(v) { c.concurrency = v } else { t.error("concurrency", "concurrency must be between 1 and 256") }
        }
        if let v = t.string("rate") {
            if let r = parseRate(v) { c.ratePerSecond = r } else { t.error("rate", "rate \"\(v)\" is not COUNT/s, COUNT/m or COUNT/h such as \"20/s\"") }
        }
        if let v = t.timeSpan("timeout") {
            if v.seconds >= 1 { c.timeout = v } else { t.error("timeout", "timeout must be at least 1s") }
        }
        return c
    }

    private static func readRule(_ t: TableReader, channels: [String: ChannelConfiguration], templatesFolder: String) -> RuleConfiguration? {
        defer { t.finish() }
        let name = t.string("name", required: true)
        let kindName = t.string("kind", required: true)
        let channel = t.string("channel", required: true)
        let template = t.string("template", required: true)
        if let channel, channels[channel] == nil {
            t.error("channel", "rule \"\(name ?? "?")\" names channel \"\(channel)\", which no [channels.\(channel)] table defines")
        }
        if let template {
            if template.isEmpty || template.contains("/") || template.contains(".") {
                t.error("template", "template \"\(template)\" must be a bare name such as \"birthday\" (the file is NAME.txt in the templates folder)")
            } else if !FileManager.default.fileExists(atPath: Paths.resolve(template + ".txt", relativeTo: templatesFolder)) {
                t.error("template", "rule \"\(name ?? "?")\" names template \"\(template)\", but \(Paths.resolve(template + ".txt", relativeTo: templatesFolder)) does not exist")
            }
        }
        var kind: RuleConfiguration.Kind?
        switch kindName {
        case "birthday":
            kind = .birthday(feb29: t.choice("feb29", RuleConfiguration.Feb29Policy.self) ?? .feb28)
        case "post_purchase":
            if let after = t.timeSpan("after", required: true) {
                kind = .postPurchase(after: after, minAmount: t.double("min_amount"), skipIfOpenTicket: t.bool("skip_if_open_ticket") ?? false)
            }
        case "unresolved_ticket":
            let after = t.timeSpan("after", required: true)
            let every = t.timeSpan("repeat_every")
            var repeats = t.int("max_repeats") ?? 0
            if repeats < 0 { t.error("max_repeats", "max_repeats cannot be negative"); repeats = 0 }
            if repeats > 0, every == nil { t.error("max_repeats", "max_repeats needs repeat_every") }
            if let every, every.seconds <= 0 { t.error("repeat_every", "repeat_every must be positive") }
            if let after { kind = .unresolvedTicket(after: after, repeatEvery: every, maxRepeats: every == nil ? 0 : repeats) }
        case "satisfaction_survey":
            if let after = t.timeSpan("after", required: true) { kind = .satisfactionSurvey(after: after) }
        case "inactive":
            let tier = t.string("tier"), spend = t.double("min_spend")
            if tier == nil, spend == nil { t.error("kind", "an inactive rule needs tier or min_spend (or both)") }
            if let after = t.timeSpan("after", required: true) { kind = .inactive(tier: tier, minSpend: spend, after: after) }
        case let other?:
            t.error("kind", "unknown rule kind \"\(other)\" (one of: \(RuleConfiguration.Kind.names.joined(separator: ", ")))")
        case nil:
            break
        }
        let priority = t.int("priority")
        let sendAt = t.string("send_at")
        let lateness = t.timeSpan("max_lateness")
        var parsedSendAt: TimeOfDay?
        if let sendAt {
            parsedSendAt = TimeOfDay(parsing: sendAt)
            if parsedSendAt == nil { t.error("send_at", "send_at \"\(sendAt)\" is not a time of day HH:MM") }
        }
        guard let name, let kind, let channel, let template else { return nil }
        var rule = RuleConfiguration(name: name, kind: kind, channel: channel, template: template)
        rule.priority = priority ?? 0
        rule.sendAt = parsedSendAt
        if let lateness { rule.maxLateness = lateness }
        return rule
    }

    private static func parseRate(_ text: String) -> Double? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let n = Double(parts[0]), n > 0 else { return nil }
        switch parts[1] {
        case "s": return n
        case "m": return n / 60
        case "h": return n / 3600
        default: return nil
        }
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

    func int(_ key: String) -> Int? {
        guard let v = value(key, required: false) else { return nil }
        guard let i = v.int else { mismatch(key, "a whole number"); return nil }
        return i
    }

    func double(_ key: String) -> Double? {
        guard let v = value(key, required: false) else { return nil }
        if let d = v.double { return d }
        if let i = v.int { return Double(i) }
        mismatch(key, "a number")
        return nil
    }

    func bool(_ key: String) -> Bool? {
        guard let v = value(key, required: false) else { return nil }
        guard let b = v.bool else { mismatch(key, "true or false"); return nil }
        return b
    }

    func timeSpan(_ key: String, required: Bool = false) -> TimeSpan? {
        guard let s = string(key, required: required) else { return nil }
        guard let d = TimeSpan(parsing: s) else {
            error(key, "\(full(key)) = \"\(s)\" is not a duration (a whole number followed by s, m, h or d, such as \"30s\", \"15m\", \"48h\", \"14d\")")
            return nil
        }
        return d
    }

    func choice<C: RawRepresentable & CaseIterable>(_ key: String, _ type: C.Type, required: Bool = false) -> C? where C.RawValue == String {
        guard let s = string(key, required: required) else { return nil }
        guard let c = C(rawValue: s) else {
            error(key, "\(full(key)) = \"\(s)\" is not one of: \(C.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
            return nil
        }
        return c
    }

    func database(_ key: String, folder: String, required: Bool) -> DatabaseURL? {
        guard let s = string(key, required: required) else { return nil }
        guard let url = DatabaseURL(parsing: s, relativeTo: folder) else {
            error(key, "\(full(key)) = \"\(s)\" is not sqlite:PATH or postgres://…")
            return nil
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

    /// Reports every key of the table that was never read.
    func finish() {
        for key in table.keys.sorted() where !used.contains(key) {
            sink.add(path: full(key), "unknown key \"\(full(key))\"")
        }
    }
}
