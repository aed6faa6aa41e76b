import Foundation

/// Sends e-mail through libcurl: STARTTLS or implicit TLS (`smtps://`), AUTH, certificate
/// verification always on, one recipient per message, the connection kept between messages.
public struct SMTPChannel: Channel {
    public let configuration: ChannelConfiguration
    let from: Mailbox
    let templates: Configuration.Templates
    let password: String?

    public init(configuration: ChannelConfiguration, from: Mailbox, templates: Configuration.Templates, password: String?) {
        self.configuration = configuration
        self.from = from
        self.templates = templates
        self.password = password
    }

    public func makeSender() throws -> any MessageSender { try Sender(channel: self) }

    final class Sender: MessageSender {
        let channel: SMTPChannel
        let curl: Curl

        init(channel: SMTPChannel) throws {
            self.channel = channel
            self.curl = try Curl()
        }

        func prepare(_ item: OutboxItem, now: Date) -> PreparedAttempt {
            let config = channel.configuration
            let from = channel.from
            let text: String
            do { text = try config.email(item, from: from, templates: channel.templates, now: now) } catch {
                return .settled(.permanentFailure("\(error)", .invalidMessage))
            }
            let request = Curl.SMTPRequest(
                url: config.url ?? "", heloName: from.domain, mailFrom: from.address, recipient: item.recipient, message: Data(text.utf8),
                tls: config.tls, caFile: config.caFile, username: config.username, password: channel.password,
                connectTimeout: config.connectTimeout.seconds, commandTimeout: config.commandTimeout.seconds, dataTimeout: config.dataTimeout.seconds)
            return PreparedAttempt { [curl] in Self.classify(curl.send(request)) }
        }

        /// 4xx and network errors are temporary; 5xx permanent (5.1.1, no such mailbox, also
        /// suppresses the address), except authentication and TLS failures, which are the
        /// operator's to fix, and a refused greeting ("554 no service here"), which is about the
        /// server and not the message: those are retried.
        static func classify(_ response: Curl.Response) -> DeliveryResult {
            if response.ok { return .sent(reply: response.replyLine ?? "\(response.responseCode)") }
            let text = response.failureText
            if let kind = response.transportFailure { return .temporaryFailure(text, kind) }
            let reply = SMTPReply(code: response.responseCode, text: response.replyLine ?? "")
            // The refusal is all the server said: its greeting (any later stage follows a 220 and a 250).
            if !response.headers.isEmpty, response.headers.allSatisfy({ $0.hasPrefix(String(reply.code)) }) {
                return .temporaryFailure(text, .temporary)
            }
            switch reply.code {
            case 530, 534, 535, 538: return .temporaryFailure(text, .auth)
            case 500..<600: return .permanentFailure(text, reply.enhancedStatus == "5.1.1" ? .noSuchMailbox : .permanent)
            default: return .temporaryFailure(text, .temporary)
            }
        }
    }
}
