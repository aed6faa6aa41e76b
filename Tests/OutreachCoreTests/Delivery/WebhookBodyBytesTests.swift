import Foundation
import Testing
@testable import OutreachCore

/// The webhook body and the queued customer fields are written by hand (``JSONText``); these hold
/// them byte for byte to what `JSONEncoder` and `JSONSerialization` wrote before.
@Suite struct WebhookBodyBytesTests {
    /// The body as it was built before: `JSONEncoder` over a keyed container, the customer fields decoded.
    private struct ReferenceBody: Encodable {
        var item: OutboxItem
        var customer: [String: String]
        enum CodingKeys: String, CodingKey { case key, rule, customer, channel, subject, body, locale, to }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(item.key, forKey: .key)
            try c.encode(item.rule, forKey: .rule)
            try c.encode(customer, forKey: .customer)
            try c.encode(item.channel, forKey: .channel)
            try c.encode(item.subject, forKey: .subject)
            try c.encode(item.body, forKey: .body)
            try c.encode(item.locale, forKey: .locale)
            try c.encode(item.recipient, forKey: .to)
        }
    }

    private static func reference(_ item: OutboxItem) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let customer = (try? JSONDecoder().decode([String: String].self, from: Data(item.customerJSON.utf8))) ?? [:]
        return try encoder.encode(ReferenceBody(item: item, customer: customer))
    }

    /// Text with what JSON must escape, what it must not (`/`, accents, Thai, emoji, U+2028), and every C0 control.
    private static func text(_ random: inout SplitMix64) -> String {
        let pieces = ["a", "Z", "9", " ", "/", "\"", "\\", "é", "ő", "ű", "สุข", "😀", "\u{2028}", "\u{7F}", "{", "}", ":", ","]
            + (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }
        return (0..<random.next(below: 12)).map { _ in pieces[random.next(below: pieces.count)] }.joined()
    }

    private static func item(_ random: inout SplitMix64, customerJSON: String) -> OutboxItem {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return OutboxItem(key: text(&random), rule: text(&random), customerID: "c", channel: text(&random), recipient: text(&random),
                          recipientName: "", subject: random.next(below: 3) == 0 ? nil : text(&random), body: text(&random) + "\n",
                          locale: text(&random), customerJSON: customerJSON, state: .queued, dueAt: now, deadline: now, queuedAt: now)
    }

    @Test func testTheWebhookBodyIsTheBytesJSONEncoderWrote() throws {
        var random = SplitMix64(seed: 10)
        for n in 0..<3000 {
            var fields = ["id": Self.text(&random), "name": Self.text(&random), "locale": Self.text(&random)]
            if n % 2 == 0 { fields["email"] = Self.text(&random) }
            if n % 3 == 0 { fields["phone"] = Self.text(&random) }
            // As this version queues them, and as the previous one did (JSONSerialization, `/` as `\/`).
            let handWritten = String(decoding: JSONText.object(fields.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }), as: UTF8.self)
            let serialized = String(decoding: try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), as: UTF8.self)
            for stored in [handWritten, serialized, "{}", "not json"] {
                let item = Self.item(&random, customerJSON: stored)
                let body = try HTTPChannel.body(item)
                #expect(body == (try Self.reference(item)), "\(String(decoding: body, as: UTF8.self))")
            }
        }
    }

    @Test func testTheQueuedCustomerFieldsReadBackAsTheyWereGiven() throws {
        var random = SplitMix64(seed: 11)
        for _ in 0..<2000 {
            let fields = ["id": Self.text(&random), "name": Self.text(&random), "phone": Self.text(&random)]
            let json = JSONText.object(fields.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) })
            #expect(try JSONDecoder().decode([String: String].self, from: Data(json)) == fields)
        }
    }

    @Test func testTheContactKeyShortcutAgreesWithTheFullParse() {
        var random = SplitMix64(seed: 12)
        let alphabet = Array("ab9+@.-_%Z <>:m\t")
        var shortcuts = 0
        for _ in 0..<50_000 {
            let piece = { (random: inout SplitMix64) in String((0..<random.next(below: 6)).map { _ in alphabet[random.next(below: alphabet.count)] }) }
            // Half free text, half shaped like an address, so both sides of the shortcut are exercised.
            let text = random.next(below: 2) == 0
                ? piece(&random) + piece(&random) + piece(&random)
                : piece(&random) + "@" + piece(&random) + "." + piece(&random)
            let full = (try? ContactAddress(parsing: text))?.normalized ?? text.trimmingCharacters(in: .whitespaces).lowercased()
            if ContactAddress.isAlreadyNormalized(text) { shortcuts += 1; #expect(text == full, "\(text)") }
            #expect(ContactAddress.key(for: text) == full, "\(text)")
        }
        for text in ["+36701234567", "36701234567", "anna@example.com", "a.b+c@mail.example.hu"] {
            #expect(ContactAddress.isAlreadyNormalized(text), "\(text)")
        }
        #expect(shortcuts > 100, "\(shortcuts)")
    }
}
