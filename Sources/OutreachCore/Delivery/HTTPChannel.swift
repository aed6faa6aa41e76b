import Crypto
import Foundation

/// POSTs each message as JSON with an `Idempotency-Key` and Standard Webhooks signature headers.
///
/// 2xx is sent; 408, 429, 5xx and network errors are retried (honouring `Retry-After`); any other
/// status fails the message for good.
public struct HTTPChannel: Channel {
    public let configuration: ChannelConfiguration
    /// The signing key's bytes: a `whsec_` secret's base64 payload, or the secret's bytes.
    let keyBytes: Data

    public init(configuration: ChannelConfiguration, secret: String) {
        self.configuration = configuration
        self.keyBytes = Self.signingKey(secret)
    }

    static func signingKey(_ secret: String) -> Data {
        if secret.hasPrefix("whsec_"), let data = Data(base64Encoded: String(secret.dropFirst(6))) { return data }
        return Data(secret.utf8)
    }

    public func makeSender() throws -> any MessageSender { try Sender(channel: self) }

    /// The webhook id of a key: stable, so a retried request carries the same one.
    static func webhookID(_ key: String) -> String {
        "msg_" + KeyDigest.hex(key, bytes: 16)
    }

    /// `v1,BASE64(HMAC-SHA256(key, "id.timestamp.body"))`, per the Standard Webhooks specification.
    static func signature(id: String, timestamp: Int, body: Data, key: SymmetricKey) -> String {
        var signed = Data("\(id).\(timestamp).".utf8)
        signed.append(body)
        return "v1," + Data(HMAC<SHA256>.authenticationCode(for: signed, using: key)).base64EncodedString()
    }

    /// The JSON body: `key, rule, customer, channel, subject, body, locale, to`, keys sorted.
    ///
    /// Through `JSONEncoder` (swift-foundation's), not `JSONSerialization`: building each body
    /// through `Any` was a quarter of `run --once`'s CPU posting 20,000 webhooks.
    static func body(_ item: OutboxItem) throws -> Data {
        try encoder.encode(WebhookBody(item))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Made once: a decoder per message was a visible share of a worker's time.
    private static let decoder = JSONDecoder()

    /// What a webhook carries; `subject` is `null` when the message has none.
    private struct WebhookBody: Encodable {
        var item: OutboxItem
        /// The ledger's customer fields (strings, as queued); `{}` if the stored JSON cannot be read.
        var customer: [String: String]

        init(_ item: OutboxItem) {
            self.item = item
            customer = (try? HTTPChannel.decoder.decode([String: String].self, from: Data(item.customerJSON.utf8))) ?? [:]
        }

        enum CodingKeys: String, CodingKey { case key, rule, customer, channel, subject, body, locale, to }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(item.key, forKey: .key)
            try c.encode(item.rule, forKey: .rule)
            try c.encode(customer, forKey: .customer)
            try c.encode(item.channel, forKey: .channel)
            try c.encode(item.subject, forKey: .subject)  // Optional: encodes null, never drops the key
            try c.encode(item.body, forKey: .body)
            try c.encode(item.locale, forKey: .locale)
            try c.encode(item.recipient, forKey: .to)
        }
    }

    final class Sender: MessageSender {
        let channel: HTTPChannel
        let curl: Curl

        init(channel: HTTPChannel) throws {
            self.channel = channel
            self.curl = try Curl()
        }

        func send(_ item: OutboxItem, now: Date) -> DeliveryResult {
            let config = channel.configuration
            let body: Data
            do { body = try HTTPChannel.body(item) } catch { return .permanentFailure("cannot encode the JSON body: \(error)", .invalidMessage) }
            let id = HTTPChannel.webhookID(item.key)
            let timestamp = Int(now.timeIntervalSince1970)
            var headers = ["Content-Type: application/json", "Idempotency-Key: \(id)", "webhook-id: \(id)", "webhook-timestamp: \(timestamp)",
                           "User-Agent: outreachd"]
            headers.append("webhook-signature: " + HTTPChannel.signature(id: id, timestamp: timestamp, body: body, key: SymmetricKey(data: channel.keyBytes)))
            let response = curl.post(Curl.HTTPRequest(url: config.url ?? "", headers: headers, body: body, caFile: config.caFile,
                                                      connectTimeout: min(config.timeout.seconds, config.connectTimeout.seconds),
                                                      timeout: config.timeout.seconds))
            return Self.classify(response, now: now)
        }

        static func classify(_ response: Curl.Response, now: Date) -> DeliveryResult {
            guard response.ok else { return .temporaryFailure(response.failureText, response.transportFailure ?? .network) }
            let status = response.responseCode
            let detail = String(decoding: response.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let text = "HTTP \(status)" + (detail.isEmpty ? "" : ": \(detail)")
            switch status {
            case 200..<300: return .sent(reply: text)
            case 408, 429, 500..<600: return .temporaryFailure(text, .temporary, retryAfter: retryAfter(response.headers, now: now))
            case 401, 403: return .permanentFailure(text, .auth)
            default: return .permanentFailure(text, .permanent)
            }
        }

        /// `Retry-After` as seconds or an HTTP date, relative to `now`.
        static func retryAfter(_ headers: [String], now: Date) -> TimeInterval? {
            guard let line = headers.last(where: { $0.lowercased().hasPrefix("retry-after:") }) else { return nil }
            let value = line.dropFirst("retry-after:".count).trimmingCharacters(in: .whitespaces)
            if let seconds = Int(value), seconds >= 0 { return TimeInterval(seconds) }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "GMT")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            return formatter.date(from: value).map { max(0, $0.timeIntervalSince(now)) }
        }
    }
}
