import CCurl
import Foundation

/// Sends e-mail through libcurl: STARTTLS or implicit TLS (`smtps://`), AUTH, certificate
/// verification always on, one recipient per message, the connection kept between messages.
public struct SMTPChannel: Channel {
    public let configuration: ChannelConfiguration
    let templates: Configuration.Templates
    let password: String?

    public init(configuration: ChannelConfiguration, templates: Configuration.Templates, password: String?) {
        self.configuration = configuration
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

        func send(_ item: OutboxItem, now: Date) -> DeliveryResult {
            let config = channel.configuration
            let text: String
            let from: Mailbox
            do {
                text = try config.email(item, templates: channel.templates, now: now)
                guard let f = config.from.flatMap(Mailbox.init(parsing:)) else { throw MessageError("channel \"\(config.name)\" has no valid from address") }
                from = f
            } catch {
                return .permanentFailure("\(error)")
            }
            curl.reset()
            // The URL's path is the name libcurl gives in EHLO.
            var url = config.url ?? ""
            while url.hasSuffix("/") { url.removeLast() }
            curl.set(CURLOPT_URL, url + "/" + from.domain)
            curl.set(CURLOPT_MAIL_FROM, "<\(from.address)>")
            curl.set(CURLOPT_UPLOAD, true)
            curl.set(CURLOPT_INFILESIZE_LARGE, text.utf8.count)
            switch config.tls {
            case .required: curl.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
            case .opportunistic: curl.set(CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
            case .none: curl.set(CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
            }
            curl.set(CURLOPT_SSL_VERIFYPEER, true)
            curl.set(CURLOPT_SSL_VERIFYHOST, 2)
            if let ca = config.caFile { curl.set(CURLOPT_CAINFO, ca) }
            if let user = config.username {
                curl.set(CURLOPT_USERNAME, user)
                curl.set(CURLOPT_PASSWORD, channel.password ?? "")
            }
            curl.set(CURLOPT_CONNECTTIMEOUT, config.connectTimeout.seconds)
            curl.set(CURLOPT_SERVER_RESPONSE_TIMEOUT, config.commandTimeout.seconds)
            curl.set(CURLOPT_TIMEOUT, config.connectTimeout.seconds + config.dataTimeout.seconds)
            let response = curl.perform(upload: Data(text.utf8), recipients: ["<\(item.recipient)>"])
            return Self.classify(response)
        }

        /// 4xx and network errors are temporary; 5xx permanent (5.1.1 also suppresses the address),
        /// except authentication and TLS failures, which are the operator's to fix and so are retried.
        static func classify(_ response: Curl.Response) -> DeliveryResult {
            if response.ok { return .sent(reply: response.serverLines.last ?? "\(response.responseCode)") }
            let text = response.failureText
            switch response.code {
            case CURLE_LOGIN_DENIED, CURLE_USE_SSL_FAILED, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE:
                return .temporaryFailure(text)
            default:
                break
            }
            switch response.responseCode {
            case 500..<600:
                return .permanentFailure(text, suppress: text.contains("5.1.1"))
            default:
                return .temporaryFailure(text)
            }
        }
    }
}
