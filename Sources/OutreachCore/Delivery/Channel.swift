import Foundation

/// A way messages leave outreachd: SMTP, HTTP or a Maildir.
///
/// A channel makes one ``MessageSender`` per delivery worker; the sender may keep a connection
/// open between messages and is used from that worker's thread only.
public protocol Channel: Sendable {
    var configuration: ChannelConfiguration { get }
    func makeSender() throws -> any MessageSender
}

/// Delivers messages one at a time on one thread.
public protocol MessageSender: AnyObject {
    /// Makes `item` ready to send (rendered, encoded, signed) without sending anything: the
    /// deliverer prepares a worker's next message while the last one's outcome is being committed.
    func prepare(_ item: OutboxItem, now: Date) -> PreparedAttempt
}

extension MessageSender {
    /// One attempt for `item`; never throws: every outcome is a ``DeliveryResult``.
    public func send(_ item: OutboxItem, now: Date) -> DeliveryResult {
        prepare(item, now: now).run()
    }
}

/// A message made ready by ``MessageSender/prepare(_:now:)``: ``run()`` is the attempt itself.
///
/// Used on its sender's thread only, once.
public struct PreparedAttempt {
    private let attempt: () -> DeliveryResult

    /// - Parameter attempt: sends the prepared message; never throws.
    public init(_ attempt: @escaping () -> DeliveryResult) { self.attempt = attempt }

    /// The outcome is known without an attempt (the message cannot be sent as it is): nothing goes out.
    public static func settled(_ result: DeliveryResult) -> PreparedAttempt { PreparedAttempt { result } }

    /// Makes the attempt and returns its outcome.
    public func run() -> DeliveryResult { attempt() }
}

/// What channels need besides their own configuration.
public struct ChannelEnvironment: Sendable {
    /// `[templates] unsubscribe_url`, for `List-Unsubscribe`.
    public var templates: Configuration.Templates
    /// `[company] name`, the display name of a Maildir channel's default From.
    public var companyName: String?
    /// Secrets not given by `*_file`: `OUTREACHD_<CHANNEL>_PASSWORD` / `OUTREACHD_<CHANNEL>_SECRET`.
    public var environment: [String: String]
    /// This machine's name, the domain of a Maildir channel's default From. Defaults to `gethostname`.
    public var hostName: String
    /// How to report a systemd credential looked for outside the service, where it cannot exist:
    /// `check` from a shell warns (the unit's ExecStartPre= check sees it); start-up refuses. Defaults to `error`.
    public var credentialOutsideService: Diagnostic.Severity = .error

    public init(templates: Configuration.Templates, companyName: String? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment, hostName: String = ChannelEnvironment.localHostName()) {
        self.templates = templates
        self.companyName = companyName
        self.environment = environment
        self.hostName = hostName
    }

    public init(_ configuration: Configuration, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(templates: configuration.templates, companyName: configuration.company["name"], environment: environment)
    }

    /// The host name as a mail domain: lower case, letters, digits, dots and hyphens; `localhost` if nothing is left.
    public static func localHostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).lowercased()
        let cleaned = String(name.unicodeScalars.filter { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-" })
        return cleaned.trimmingCharacters(in: CharacterSet(charactersIn: ".-")).isEmpty ? "localhost" : cleaned
    }
}

extension ChannelConfiguration {
    /// `OUTREACHD_<CHANNEL>`: the prefix of the environment variables that may hold its secrets.
    var environmentPrefix: String {
        "OUTREACHD_" + name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.map(String.init).joined()
    }

    /// The `From:` of its e-mails: `from`, or for a Maildir without one, the company's name at `outreachd@` this host.
    func sender(_ environment: ChannelEnvironment) -> Mailbox? {
        if let from { return Mailbox(parsing: from) }
        guard kind == .maildir else { return nil }
        return Mailbox(name: environment.companyName, address: "outreachd@" + environment.hostName)
    }

    /// The e-mail of `item` as this channel sends it, from `from`.
    func email(_ item: OutboxItem, from: Mailbox, templates: Configuration.Templates, now: Date) throws(MessageError) -> String {
        let message = EmailMessage(from: from, to: Mailbox(name: item.recipientName, address: item.recipient), subject: item.subject ?? "",
                                   body: item.body, key: item.key, rule: item.rule, date: now,
                                   unsubscribeURL: templates.unsubscribeURL(customerID: item.customerID, key: item.key))
        return try message.rendered()
    }
}
