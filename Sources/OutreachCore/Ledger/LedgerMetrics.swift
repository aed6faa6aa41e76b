import Foundation

/// The ledger's figures for monitoring, rendered in the Prometheus text exposition format
/// (for node_exporter's textfile collector).
public struct LedgerMetrics: Sendable {
    public var counts: [LedgerCount]
    /// Age of the oldest row still waiting to be delivered (queued, sending or retry), 0 if none.
    public var oldestPendingAge: TimeInterval
    public var lastTick: Date?
    public var lastTickDuration: Double?
    /// Failed, expired and retrying rows by the class of their last error.
    public var problemsByClass: [String: Int]

    /// The `reason_class` label of a problem row: its failure class, or for a row that expired
    /// waiting (never attempted) `expired`. A bounded set of labels, read from typed columns.
    public static func reasonClass(state: LedgerState, failure: FailureClass?) -> String {
        if let failure { return failure.rawValue }
        return state == .expired ? "expired" : "unclassified"
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
