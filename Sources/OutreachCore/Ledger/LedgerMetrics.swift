import Foundation

/// The ledger's figures for monitoring, rendered in the Prometheus text exposition format
/// (for node_exporter's textfile collector).
public struct LedgerMetrics: Sendable {
    public var counts: [(rule: String, state: LedgerState, count: Int)]
    /// Age of the oldest row still waiting to be delivered (queued, sending or retry), 0 if none.
    public var oldestPendingAge: TimeInterval
    public var lastTick: Date?
    public var lastTickDuration: Double?
    /// Failed, expired and retrying rows by the class of their last error.
    public var problemsByClass: [String: Int]

    /// A coarse, bounded set of labels for alerting, from a row's last error.
    public static func reasonClass(_ error: String?) -> String {
        guard let e = error?.lowercased(), !e.isEmpty else { return "unknown" }
        if e.contains("suppression list") { return "suppressed" }
        if e.contains("max_lateness") { return "expired" }
        if e.contains("control character") || e.contains("smtputf8") || e.contains("not a valid e-mail") || e.contains("from address") { return "message" }
        if e.contains("template") || e.contains("has no value") { return "template" }
        if e.hasPrefix("http 4") { return e.hasPrefix("http 408") || e.hasPrefix("http 429") ? "http_throttled" : "http_4xx" }
        if e.hasPrefix("http 5") { return "http_5xx" }
        if e.range(of: #"^5[0-9][0-9]"#, options: .regularExpression) != nil { return "smtp_5xx" }
        if e.range(of: #"^4[0-9][0-9]"#, options: .regularExpression) != nil { return "smtp_4xx" }
        if e.contains("ssl") || e.contains("tls") || e.contains("certificate") || e.contains("login") { return "tls_or_auth" }
        return "network"
    }

    /// The metrics as Prometheus text: `# HELP`, `# TYPE`, then samples.
    public var prometheusText: String {
        var out = ""
        func family(_ name: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n"
            for s in samples { out += name + (s.labels.isEmpty ? "" : "{\(s.labels)}") + " " + s.value + "\n" }
        }
        func label(_ v: String) -> String { v.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") }
        family("outreachd_messages", "Ledger rows by rule and state.",
               counts.map { ("rule=\"\(label($0.rule))\",state=\"\($0.state.rawValue)\"", String($0.count)) })
        family("outreachd_oldest_pending_age_seconds", "Age of the oldest message waiting to be delivered (queued, sending or retry).",
               [("", String(format: "%.0f", oldestPendingAge))])
        if let lastTick {
            family("outreachd_last_tick_timestamp_seconds", "When the rules were last evaluated (Unix time).", [("", String(format: "%.0f", lastTick.timeIntervalSince1970))])
        }
        if let lastTickDuration {
            family("outreachd_last_tick_duration_seconds", "How long the last tick took (the daemon's or run --once).", [("", String(format: "%.3f", lastTickDuration))])
        }
        family("outreachd_problems", "Failed, expired and retrying messages by the class of their last error.",
               problemsByClass.sorted { $0.key < $1.key }.map { ("reason_class=\"\($0.key)\"", String($0.value)) })
        return out
    }
}

extension SQLiteLedger {
    /// The figures ``LedgerMetrics`` reports, as of `now`.
    public func metrics(now: Date) throws -> LedgerMetrics {
        let counts = try self.counts()
        let (oldest, problems) = try reading { db -> (Double?, [(String?, Int)]) in
            let oldest = try Double.fetchOne(db, sql: "SELECT MIN(queued_at) FROM outbox WHERE state IN ('queued', 'sending', 'retry')")
            let problems = try Row.fetchAll(db, sql: "SELECT last_error, COUNT(*) FROM outbox WHERE state IN ('failed', 'expired', 'retry') GROUP BY last_error")
                .map { ($0[0] as String?, $0[1] as Int) }
            return (oldest, problems)
        }
        var byClass: [String: Int] = [:]
        for (error, count) in problems { byClass[LedgerMetrics.reasonClass(error), default: 0] += count }
        return LedgerMetrics(counts: counts, oldestPendingAge: oldest.map { max(0, now.timeIntervalSince1970 - $0) } ?? 0,
                             lastTick: try lastTick(), lastTickDuration: try meta("last_tick_duration").flatMap(Double.init), problemsByClass: byClass)
    }
}

import GRDB
