/// At most `count` messages to one customer in any `period` (`max_per_customer = "1/24h"`), across all rules.
public struct FrequencyCap: Sendable, Hashable, CustomStringConvertible {
    public var count: Int
    public var period: TimeSpan

    public init?(count: Int, period: TimeSpan) {
        guard count >= 1, period.seconds > 0 else { return nil }
        self.count = count
        self.period = period
    }

    public init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let n = Int(parts[0]), let p = TimeSpan(parsing: String(parts[1])) else { return nil }
        self.init(count: n, period: p)
    }

    public var description: String { "\(count)/\(period)" }
}
