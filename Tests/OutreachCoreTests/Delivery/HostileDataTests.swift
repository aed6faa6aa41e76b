import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// Customer data written to break out of its place, through every field that can reach a header
/// (name, e-mail, locale, a purchase's item, a ticket's subject), delivered for real to a loopback
/// SMTP server: nothing adds a header or a recipient, a refused message fails with its reason and
/// the rest go out, and an over-long value is folded, never cut mid-character.
@Suite struct HostileDataTests {
    static let injections = ["\r\nBcc: evil@example.com", "\nBcc: evil@example.com", "\rBcc: evil@example.com", "\u{85}Bcc: evil@example.com",
                             "\u{2028}Bcc: evil@example.com", "\u{1B}Bcc: evil@example.com"]

    @Test func testEveryFieldThatReachesAHeaderIsRefusedOrFoldedAndNothingAddsAHeaderOrARecipient() throws {
        let folder = TemporaryFolder()
        let server = try ServerProcess.smtp(in: folder)
        defer { server.stop() }
        let birthday = "1970-11-23", zone = "Europe/London"
        var customers = [Customer(id: "C-OK", name: "Kovács Éva", email: "eva@example.hu", locale: "hu", timezone: "Europe/Budapest", birthday: birthday)]
        var purchases: [Purchase] = []
        var hostile: [String] = []
        for (n, injection) in Self.injections.enumerated() {
            customers.append(Customer(id: "C-NAME\(n)", name: "Eve\(injection)", email: "eve\(n)@example.com", locale: "en", timezone: zone, birthday: birthday))
            customers.append(Customer(id: "C-LOCALE\(n)", name: "Lola", email: "lola\(n)@example.com", locale: "en\(injection)", timezone: zone))
            customers.append(Customer(id: "C-ITEM\(n)", name: "Ivan", email: "ivan\(n)@example.com", locale: "en", timezone: zone))
            purchases.append(Purchase(id: "P-ITEM\(n)", customerID: "C-ITEM\(n)", purchasedAt: "2026-11-09T09:00:00Z", amount: 80, currency: "EUR",
                                      item: "Kettle\(injection)"))
            purchases.append(Purchase(id: "P-LOCALE\(n)", customerID: "C-LOCALE\(n)", purchasedAt: "2026-11-09T09:00:00Z", amount: 80, currency: "EUR", item: "Mug"))
            hostile += ["birthday:C-NAME\(n):2026", "post_purchase:P-ITEM\(n)", "post_purchase:P-LOCALE\(n)"]
        }
        // Addresses that carry a second recipient or a command.
        for (n, email) in ["eve@example.com\r\nRCPT TO:<evil@example.com>", "eve@example.com, evil@example.com",
                           "Eve <eve@example.com>, Evil <evil@example.com>", "eve@example.com\nevil@example.com", "<eve@example.com> evil@example.com"].enumerated() {
            customers.append(Customer(id: "C-MAIL\(n)", name: "Mail \(n)", email: email, locale: "en", timezone: zone, birthday: birthday))
            hostile.append("birthday:C-MAIL\(n):2026")
        }
        // A NUL ends the text as SQLite reads it back: what comes after it never reaches the message.
        customers.append(Customer(id: "C-NUL", name: "Nul\u{0}\r\nBcc: evil@example.com", email: "nul@example.com", locale: "en", timezone: zone, birthday: birthday))
        // Long values: a name of 3,000 characters (its first name is all of it) and a subject beyond any line.
        let long = String(repeating: "Ő", count: 1_500) + String(repeating: "ก", count: 1_500)
        customers.append(Customer(id: "C-LONG", name: long, email: "long@example.com", locale: "en", timezone: zone, birthday: birthday))
        purchases.append(Purchase(id: "P-LONG", customerID: "C-LONG", purchasedAt: "2026-11-09T09:00:00Z", amount: 80, currency: "EUR",
                                  item: String(repeating: "Árvíztűrő tükörfúrógép ", count: 200)))

        let d = try DeliveryDeployment(channel: DeliveryDeployment.smtpChannel(port: server.port), customers: customers, purchases: purchases,
                                       extra: """
                                       [[rules]]
                                       name = "check_in"
                                       kind = "post_purchase"
                                       channel = "email"
                                       template = "hostile"
                                       after = "14d"
                                       priority = 5
                                       """)
        // An operator's template that puts every such field in the Subject.
        d.folder.write("templates/hostile.txt", "Subject: {{purchase.item}} for {{customer.name}} ({{customer.locale}})\n\nHello {{customer.first_name}}\n")
        try d.tick()

        let rows = Dictionary(uniqueKeysWithValues: try d.rows().map { ($0.key, $0) })
        for key in hostile {
            let row = try #require(rows[key], "\(key) is not in the ledger (skipped without a record?): \(rows.keys.sorted())")
            #expect(row.state == .failed && row.failureClass == .invalidMessage, "\(key): \(row.state) \(row.failureClass?.rawValue ?? "") \(row.lastError ?? "")")
        }
        #expect(rows["birthday:C-NUL:2026"]?.recipientName == "Nul", "\(rows["birthday:C-NUL:2026"]?.recipientName ?? "not in the ledger")")
        for key in ["birthday:C-OK:2026", "birthday:C-NUL:2026", "birthday:C-LONG:2026", "post_purchase:P-LONG"] {
            #expect(rows[key]?.state == .sent, "\(key): \(rows[key]?.lastError ?? "not in the ledger")")
        }

        let received = try server.received()
        #expect(received.count == 4, "\(received.map { $0.key ?? "?" })")
        let allowed: Set<String> = ["from", "to", "subject", "date", "message-id", "mime-version", "content-type", "content-transfer-encoding",
                                    "auto-submitted", "x-outreach-rule", "x-outreach-key"]
        for m in received {
            #expect(m.envelope.rcptTos.count == 1 && !m.envelope.rcptTos.contains { $0.contains("evil") }, "\(m.envelope.rcptTos)")
            #expect(Set((m.parsed.headerNames ?? []).map { $0.lowercased() }).isSubset(of: allowed), "\(m.parsed.headerNames ?? [])")
            #expect(!String(decoding: m.raw, as: UTF8.self).contains("evil"))
            // Folded within 78 characters, encoded words whole, the long values intact once decoded.
            m.parsed.expectWellFormed(m.key ?? "?")
        }
        let longBirthday = try #require(received.first { $0.key == "birthday:C-LONG:2026" })
        #expect(longBirthday.parsed.value("Subject")?.contains(long) == true, "the long first name survives folding whole")
        // (Python's address parser keeps the folding space between adjacent encoded words, which RFC 2047 says to drop.)
        #expect(longBirthday.parsed.value("To")?.filter { !$0.isWhitespace }.contains(long) == true, "\(longBirthday.parsed.value("To")?.prefix(200) ?? "")")
        let longItem = try #require(received.first { $0.key == "post_purchase:P-LONG" })
        #expect(longItem.parsed.value("Subject")?.hasPrefix(String(repeating: "Árvíztűrő tükörfúrógép ", count: 200).trimmingCharacters(in: .whitespaces)) == true,
                "\(longItem.parsed.value("Subject")?.prefix(80) ?? "")")
    }
}
