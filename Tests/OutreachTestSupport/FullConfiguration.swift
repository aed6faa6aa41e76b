/// A valid configuration with every numeric key, one per line: three channel kinds and every rule
/// kind, over the store, state and templates a demo folder has (`init --demo` or the shipped templates).
///
/// Tests replace one line to try a value; one key a line keeps the expected line number obvious.
/// The http channel signs with `hook.secret` beside the config: write it (``secretFile``) before `check` or `run`.
public enum FullConfiguration {
    public static let lines: [String] = [
        "[store]", "url = \"sqlite:customers.db\"", "[state]", "url = \"sqlite:state.db\"", "retain = \"90d\"",
        "[schedule]", "interval = \"60s\"", "timezone = \"Europe/Budapest\"", "send_window = \"08:00-21:00\"",
        "max_per_customer = \"1/24h\"", "drain_timeout = \"20s\"",
        "[company]", "name = \"Example Kft.\"", "[templates]", "path = \"templates\"",
        "[channels.spool]", "kind = \"maildir\"", "path = \"Maildir\"", "from = \"Example Care <care@example.com>\"",
        "concurrency = 4", "rate = \"20/s\"",
        "[channels.email]", "kind = \"smtp\"", "url = \"smtp://127.0.0.1:2525\"", "tls = \"none\"", "from = \"Care <care@example.com>\"",
        "connect_timeout = \"30s\"", "command_timeout = \"5m\"", "data_timeout = \"10m\"",
        "[channels.hook]", "kind = \"http\"", "url = \"https://127.0.0.1:9/hook\"", "timeout = \"10s\"", "secret_file = \"hook.secret\"",
        "[[rules]]", "name = \"birthday\"", "kind = \"birthday\"", "channel = \"spool\"", "template = \"birthday\"",
        "send_at = \"08:00\"", "priority = 30", "max_lateness = \"1d\"",
        "[[rules]]", "name = \"ticket_follow_up\"", "kind = \"unresolved_ticket\"", "channel = \"spool\"", "template = \"unresolved_ticket\"",
        "after = \"48h\"", "repeat_every = \"48h\"", "max_repeats = 2",
        "[[rules]]", "name = \"satisfaction\"", "kind = \"satisfaction_survey\"", "channel = \"spool\"", "template = \"satisfaction_survey\"",
        "after = \"3d\"",
        "[[rules]]", "name = \"check_in\"", "kind = \"post_purchase\"", "channel = \"spool\"", "template = \"post_purchase\"",
        "after = \"14d\"", "min_amount = 50", "skip_if_open_ticket = true",
        "[[rules]]", "name = \"we_miss_you\"", "kind = \"inactive\"", "channel = \"spool\"", "template = \"inactive\"",
        "tier = \"gold\"", "min_spend = 100000", "after = \"90d\"",
    ]

    /// The http channel's signing secret, relative to the config's folder.
    public static let secretFile = "hook.secret"

    /// `lines` with the first `key = …` after the line `after` set to `key = value`, and that line's 1-based number.
    public static func setting(_ key: String, to value: String, after: String = "[store]", in lines: [String] = lines) -> (lines: [String], line: Int)? {
        guard let start = lines.firstIndex(of: after), let index = lines[start...].firstIndex(where: { $0.hasPrefix(key + " = ") }) else { return nil }
        var lines = lines
        lines[index] = "\(key) = \(value)"
        return (lines, index + 1)
    }
}
