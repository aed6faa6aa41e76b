/// A channel's `rate`: `COUNT/s`, `COUNT/m` or `COUNT/h`, as messages per second.
///
/// Bounded by ``ConfigurationLimits/ratePerSecond``: a worker waits `1/rate` seconds before each
/// message, so a tiny rate (`0.000001/h`) would put it to sleep for years.
public enum DeliveryRate {
    /// Messages per second, or why `text` is not an acceptable rate.
    public static func parse(_ text: String) -> Result<Double, InvalidValue> {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let seconds: Double
        switch parts.count == 2 ? parts[1] : "" {
        case "s": seconds = 1
        case "m": seconds = 60
        case "h": seconds = 3600
        default: return .failure(InvalidValue("not COUNT/s, COUNT/m or COUNT/h, such as \"20/s\""))
        }
        guard let count = Double(parts[0]), count.isFinite, count > 0 else {
            return .failure(InvalidValue("the count \"\(parts[0])\" must be a positive number, such as \"20/s\""))
        }
        let limits = ConfigurationLimits.ratePerSecond
        let rate = count / seconds
        guard limits.contains(rate) else {
            return .failure(InvalidValue("too \(rate < limits.lowerBound ? "slow" : "fast"): a rate is between 1/m (one message a minute) and 10000/s"))
        }
        return .success(rate)
    }
}
