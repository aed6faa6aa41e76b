/// The range of every number an operator can write in the configuration.
///
/// Every key is bounded, so that no value, however large, makes a command trap on overflow or
/// run for hours: durations end up in `Date` arithmetic, in Dispatch timers (nanoseconds in an
/// `Int64`), in SQL ranges and in loops over follow-ups. The ranges are wide enough for any real
/// use; the loader's messages and `examples/outreachd.toml` state them.
public enum ConfigurationLimits {
    /// `[schedule] interval`: a tick at least every second (a busier timer only burns CPU) and at
    /// least once a day (the daemon's lookback and `max_lateness` assume it runs daily at the least).
    public static let interval = TimeSpan(seconds: 1)...TimeSpan.hours(24)
    /// `[state] lease`: long enough for one attempt between renewals (a third of it), short enough
    /// that a dead instance's messages wait little.
    public static let lease = TimeSpan(seconds: 10)...TimeSpan.hours(1)
    /// `[state] retain`: at least a day (a failure's reason is still there for the next morning's
    /// look at `status`), at most ten years.
    public static let retain = TimeSpan.days(1)...TimeSpan.days(3660)
    /// `[schedule] drain_timeout`: at most an hour; systemd's `TimeoutStopSec` should be above it.
    public static let drainTimeout = TimeSpan(seconds: 0)...TimeSpan.hours(1)
    /// `max_per_customer = "COUNT/PERIOD"`: the count.
    public static let capCount = 1...1000
    /// `max_per_customer = "COUNT/PERIOD"`: the period; the cap reads the ledger this far back.
    public static let capPeriod = TimeSpan.minutes(1)...TimeSpan.days(366)

    /// `[channels.*] timeout`, `connect_timeout`, `command_timeout`, `data_timeout`: a second to a day.
    public static let timeout = TimeSpan(seconds: 1)...TimeSpan.hours(24)
    /// `[channels.*] concurrency`: parallel connections (one thread each).
    public static let concurrency = 1...256
    /// `[channels.*] rate`, in messages per second: at least one a minute, since a worker sleeps
    /// `1/rate` before each message and a longer sleep looks like a hung daemon to the systemd
    /// watchdog; at most 10 000 a second, far above what any one channel delivers.
    public static let ratePerSecond = (1.0 / 60)...10_000

    /// `[[rules]] after`: up to ten years after the event (an `inactive` rule may well wait years).
    public static let after = TimeSpan(seconds: 0)...TimeSpan.days(3660)
    /// `[[rules]] repeat_every`: an hour to a year between two follow-ups of one ticket.
    public static let repeatEvery = TimeSpan.hours(1)...TimeSpan.days(366)
    /// `[[rules]] max_repeats`: at most 100 follow-ups after the first, per ticket.
    public static let maxRepeats = 0...100
    /// `[[rules]] max_lateness`: up to a year late; every tick reads the store this far back.
    public static let maxLateness = TimeSpan(seconds: 0)...TimeSpan.days(366)
    /// `[[rules]] priority`: only compared, so a small range keeps typos visible.
    public static let priority = -1000...1000
    /// `[[rules]] min_amount`, `min_spend`: any finite amount, 0 or more (TOML also allows `inf` and `nan`).
    public static let amount = 0.0...Double.greatestFiniteMagnitude

    /// "between 1s and 24h", or "at most 1h" when the range starts at zero.
    static func describe(_ range: ClosedRange<TimeSpan>) -> String {
        range.lowerBound.seconds == 0 ? "at most \(range.upperBound)" : "between \(range.lowerBound) and \(range.upperBound)"
    }

    static func describe(_ range: ClosedRange<Int>) -> String { "between \(range.lowerBound) and \(range.upperBound)" }
}
