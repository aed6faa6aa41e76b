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
    /// One attempt for `item`; never throws: every outcome is a ``DeliveryResult``.
    func send(_ item: OutboxItem, now: Date) -> DeliveryResult
}

/// What channels need besides their own configuration.
public struct ChannelEnvironment: Sendable {
    /// `[templates] unsubscribe_url`, for `List-Unsubscribe`.
    public var templates: Configuration.Templates
    /// Secrets not given by `*_file`: `OUTREACHD_<CHANNEL>_PASSWORD` / `OUTREACHD_<CHANNEL>_SECRET`.
    public var environment: [String: String]

    public init(templates: Configuration.Templates, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.templates = templates
        self.environment = environment
    }

    /// Reads a secret from `file` (trailing newline dropped), else from the environment variable.
    func secret(file: String?, variable: String) throws(MessageError) -> String? {
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw MessageError("\(file): cannot read the secret file")
            }
            let secret = text.trimmingCharacters(in: .newlines)
            // An empty file is a secret not yet filled in: sending unsigned or unauthenticated would be worse than stopping.
            guard !secret.isEmpty else { throw MessageError("\(file): the secret file is empty; write the secret into it") }
            return secret
        }
        return environment[variable]
    }
}

extension ChannelConfiguration {
    /// The channel implementation for this configuration.
    public func makeChannel(environment: ChannelEnvironment) throws -> any Channel {
        let prefix = "OUTREACHD_" + name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" }.map(String.init).joined()
        switch kind {
        case .maildir:
            return MaildirChannel(configuration: self, templates: environment.templates)
        case .smtp:
            return SMTPChannel(configuration: self, templates: environment.templates,
                               password: try environment.secret(file: passwordFile, variable: prefix + "_PASSWORD"))
        case .http:
            return HTTPChannel(configuration: self, secret: try environment.secret(file: secretFile, variable: prefix + "_SECRET"))
        }
    }

    /// The e-mail of `item` as this channel sends it.
    func email(_ item: OutboxItem, templates: Configuration.Templates, now: Date) throws(MessageError) -> String {
        guard let from = from.flatMap(Mailbox.init(parsing:)) else {
            throw MessageError("channel \"\(name)\" has no valid from address")
        }
        let message = EmailMessage(from: from, to: Mailbox(name: item.recipientName, address: item.recipient), subject: item.subject ?? "",
                                   body: item.body, key: item.key, rule: item.rule, date: now,
                                   unsubscribeURL: templates.unsubscribeURL(customerID: item.customerID, key: item.key))
        return try message.rendered()
    }
}
