/// At most `count` messages to one customer in any `period` (`max_per_customer = "1/24h"`), across all rules.
public struct FrequencyCap: Sendable, Hashable, CustomStringConvertible {
    public var count: Int
    public var period: TimeSpan

    public init?(count: Int, period: TimeSpan) {
        guard count >= 1, period.seconds > 0 else { return nil }
        self.count = count
        self.period = period
    }

    /// Parses `COUNT/DURATION` within ``ConfigurationLimits/capCount`` and ``ConfigurationLimits/capPeriod``,
    /// saying which part is wrong and why when it is not one.
    public static func parse(_ text: String) -> Result<FrequencyCap, InvalidValue> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return .failure(InvalidValue("not COUNT/DURATION, such as \"1/24h\" (at most one message to a customer in any 24 hours)"))
        }
        let counts = ConfigurationLimits.capCount, periods = ConfigurationLimits.capPeriod
        guard let count = Int(parts[0]), counts.contains(count) else {
            return .failure(InvalidValue("the count \(parts[0]) must be \(ConfigurationLimits.describe(counts))"
                                         + (parts[0].allSatisfy { $0 == "0" } ? " (to send nothing, remove the rules)" : "")))
        }
        switch TimeSpan.parse(String(parts[1])) {
        case .failure(.notADuration):
            return .failure(InvalidValue("the period \"\(parts[1])\" is not a duration (a whole number followed by s, m, h or d, such as \"24h\")"))
        case .failure(.tooLong):
            return .failure(InvalidValue("the period \(parts[1]) is too long: it must be \(ConfigurationLimits.describe(periods))"))
        case .success(let period):
            guard periods.contains(period), let cap = FrequencyCap(count: count, period: period) else {
                return .failure(InvalidValue("the period \(period) is too \(period < periods.lowerBound ? "short" : "long"): it must be \(ConfigurationLimits.describe(periods))"))
            }
            return .success(cap)
        }
    }

    public init?(parsing text: String) {
        guard case .success(let cap) = Self.parse(text) else { return nil }
        self = cap
    }

    public var description: String { "\(count)/\(period)" }
}
