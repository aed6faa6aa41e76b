import Crypto
import Foundation

/// POSTs each message as JSON with an `Idempotency-Key` and Standard Webhooks signature headers.
///
/// 2xx is sent; 408, 429, 5xx and network errors are retried (honouring `Retry-After`); any other
/// status fails the message for good.
public struct HTTPChannel: Channel {
    public let configuration: ChannelConfiguration
    /// The signing key's bytes: a `whsec_` secret's base64 payload, or the secret's bytes. An
    /// array, not `Data`: LeakSanitizer cannot follow `Data`'s storage pointer (its enum keeps a
    /// case in the pointer's spare bits), and reported the key of every channel alive at exit as leaked.
    let keyBytes: [UInt8]

    public init(configuration: ChannelConfiguration, secret: String) {
        self.configuration = configuration
        self.keyBytes = Array(Self.signingKey(secret))
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

    /// The JSON body: `key, rule, customer, channel, subject, body, locale, to`, keys sorted,
    /// `subject` `null` when the message has none; the bytes `JSONEncoder` wrote before (see ``JSONText``).
    ///
    /// The customer fields were written as JSON when the row was queued; when they hold no escape
    /// they are already the bytes the encoder would write and go in as they are, so a worker no
    /// longer decodes and re-encodes them per message (the decode alone was ~4% of the CPU posting
    /// 20,000 webhooks). Otherwise (a quote, a control character, a `\/` from an older version)
    /// they are decoded and written again; `{}` if they cannot be read.
    static func body(_ item: OutboxItem) throws -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(item.body.utf8.count + item.customerJSON.utf8.count + 200)
        out.append(contentsOf: #"{"body":"#.utf8)
        JSONText.appendString(item.body, to: &out)
        out.append(contentsOf: #","channel":"#.utf8)
        JSONText.appendString(item.channel, to: &out)
        out.append(contentsOf: #","customer":"#.utf8)
        out.append(contentsOf: customerObject(item.customerJSON))
        out.append(contentsOf: #","key":"#.utf8)
        JSONText.appendString(item.key, to: &out)
        out.append(contentsOf: #","locale":"#.utf8)
        JSONText.appendString(item.locale, to: &out)
        out.append(contentsOf: #","rule":"#.utf8)
        JSONText.appendString(item.rule, to: &out)
        out.append(contentsOf: #","subject":"#.utf8)
        if let subject = item.subject { JSONText.appendString(subject, to: &out) } else { out.append(contentsOf: "null".utf8) }
        out.append(contentsOf: #","to":"#.utf8)
        JSONText.appendString(item.recipient, to: &out)
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    /// The stored customer fields as the body's `customer` object.
    static func customerObject(_ stored: String) -> [UInt8] {
        let bytes = stored.utf8
        if bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}"), !bytes.contains(UInt8(ascii: "\\")) {
            return Array(bytes)
        }
        let fields = (try? decoder.decode([String: String].self, from: Data(bytes))) ?? [:]
        return JSONText.object(fields.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
    }

    /// Made once: a decoder per message was a visible share of a worker's time.
    private static let decoder = JSONDecoder()

    final class Sender: MessageSender {
        let channel: HTTPChannel
        let curl: Curl
        /// Made once per worker, not per message.
        let key: SymmetricKey

        init(channel: HTTPChannel) throws {
            self.channel = channel
            self.curl = try Curl()
            self.key = SymmetricKey(data: channel.keyBytes)
        }

        func prepare(_ item: OutboxItem, now: Date) -> PreparedAttempt {
            let config = channel.configuration
            let body: Data
            do { body = try HTTPChannel.body(item) } catch { return .settled(.permanentFailure("cannot encode the JSON body: \(error)", .invalidMessage)) }
            let id = HTTPChannel.webhookID(item.key)
            let timestamp = Int(now.timeIntervalSince1970)
            var headers = ["Content-Type: application/json", "Idempotency-Key: \(id)", "webhook-id: \(id)", "webhook-timestamp: \(timestamp)",
                           "User-Agent: outreachd"]
            headers.append("webhook-signature: " + HTTPChannel.signature(id: id, timestamp: timestamp, body: body, key: key))
            let request = Curl.HTTPRequest(url: config.url ?? "", headers: headers, body: body, caFile: config.caFile,
                                           connectTimeout: min(config.timeout.seconds, config.connectTimeout.seconds),
                                           timeout: config.timeout.seconds)
            return PreparedAttempt { [curl] in Self.classify(curl.post(request), now: now) }
        }

        static func classify(_ response: Curl.Response, now: Date) -> DeliveryResult {
            guard response.ok else { return .temporaryFailure(response.failureText, response.transportFailure ?? .network) }
            let status = response.responseCode
            let detail = String(decoding: response.body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let text = "HTTP \(status)" + (detail.isEmpty ? "" : ": \(detail)")
            switch status {
            case 200..<300: return .sent(reply: text)
            case 408, 429, 500..<600: return .temporaryFailure(text, .temporary, retryAfter: retryAfter(response.headers, now: now))
            case 300..<400:
                // Never followed (the body would go to wherever the answer points), and the
                // endpoint moving is the configuration's to fix: retried, saying where it points.
                let location = response.headers.last { $0.lowercased().hasPrefix("location:") }.map { $0.dropFirst("location:".count).trimmingCharacters(in: .whitespaces) }
                return .temporaryFailure(text + (location.map { " (redirects to \($0); not followed: set the channel's url)" } ?? " (a redirect; not followed)"), .configuration)
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
