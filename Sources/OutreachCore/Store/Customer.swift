/// A row of `customers`, as stored: dates, zones and locales are still text and are judged by the rules.
public struct Customer: Sendable, Hashable {
    public var id: String
    public var name: String
    public var email: String?
    public var phone: String?
    /// BCP 47, e.g. `hu`, `sv-SE`, `th`.
    public var locale: String?
    /// IANA zone name.
    public var timezone: String?
    /// `YYYY-MM-DD`, or `--MM-DD` when the year is unknown.
    public var birthday: String?
    public var tier: String?
    public var optedOut: Bool
    public var createdAt: String?

    public init(id: String, name: String, email: String? = nil, phone: String? = nil, locale: String? = nil,
                timezone: String? = nil, birthday: String? = nil, tier: String? = nil, optedOut: Bool = false, createdAt: String? = nil) {
        self.id = id
        self.name = name
        self.email = email
        self.phone = phone
        self.locale = locale
        self.timezone = timezone
        self.birthday = birthday
        self.tier = tier
        self.optedOut = optedOut
        self.createdAt = createdAt
    }
}
