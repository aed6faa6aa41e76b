/// One `[channels.NAME]` table: how messages of the rules that name it are delivered.
///
/// Every key of the contract is parsed and validated here, even those only delivery uses, so that
/// `check` reports a mistake before the daemon meets it.
public struct ChannelConfiguration: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case smtp, http, maildir
    }

    /// Which customer column a channel addresses.
    public enum AddressField: String, Sendable, Hashable, CaseIterable {
        case email, phone
    }

    /// TLS policy for SMTP. Defaults to `required`.
    public enum TLSPolicy: String, Sendable, Hashable, CaseIterable {
        case required, opportunistic, none
    }

    public var name: String
    public var kind: Kind
    /// The customer column messages go to. Defaults to `email` for SMTP and Maildir, `phone` for HTTP.
    public var address: AddressField
    /// `smtp://`, `smtps://` or `http(s)://` endpoint; unused by Maildir.
    public var url: String?
    public var tls: TLSPolicy = .required
    public var username: String?
    public var passwordFile: String?
    public var secretFile: String?
    public var caFile: String?
    /// The `From:` header for e-mail channels.
    public var from: String?
    /// Parallel connections. Defaults to 4.
    public var concurrency: Int = 4
    /// Messages per second, at most. Defaults to no limit.
    public var ratePerSecond: Double?
    /// HTTP: the whole request. Defaults to 10 s.
    public var timeout: TimeSpan = TimeSpan(seconds: 10)
    /// SMTP: establishing the connection. Defaults to 30 s.
    public var connectTimeout: TimeSpan = TimeSpan(seconds: 30)
    /// SMTP: waiting for any one reply (RFC 5321 suggests 5 minutes). Defaults to 5 min.
    public var commandTimeout: TimeSpan = TimeSpan(seconds: 300)
    /// SMTP: the whole message transfer up to the reply to its final dot (RFC 5321: 10 minutes). Defaults to 10 min.
    public var dataTimeout: TimeSpan = TimeSpan(seconds: 600)
    /// The Maildir folder (absolute).
    public var path: String?

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
        self.address = kind == .http ? .phone : .email
    }

    /// Whether its templates must start with a `Subject:` header block.
    public var needsSubject: Bool { kind != .http }
}
