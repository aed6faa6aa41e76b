import Testing
@testable import OutreachCore

/// `containsLineBreakOrControl` answers printable ASCII without Unicode property lookups; the
/// answer must be the lookup's for every scalar the shortcut can see.
@Suite struct HeaderValueShortcutTests {
    private static func byLookup(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }
    }

    @Test func testEveryASCIIAndSomeUnicodeScalarsAnswerAsTheLookupDoes() {
        let scalars = (0..<0x80).compactMap(Unicode.Scalar.init) + ["\u{85}", "\u{9F}", "\u{A0}", "é", "\u{2028}", "\u{2029}", "ű", "😀"]
        for scalar in scalars {
            for text in [String(scalar), "Anna " + String(scalar) + " Kovács", "a" + String(scalar)] {
                #expect(text.containsLineBreakOrControl == Self.byLookup(text), "\(Array(text.unicodeScalars))")
            }
        }
    }
}

/// `Mailbox.isValidAddress` answers visible ASCII on bytes; the answer must be the full check's.
@Suite struct MailboxAddressShortcutTests {
    private static func byLookup(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
            && !address.containsLineBreakOrControl && !address.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "<" || $0 == ">" }
    }

    @Test func testEveryASCIIScalarInEveryPlaceAnswersAsTheFullCheckDoes() {
        let scalars = (0..<0x80).compactMap(Unicode.Scalar.init) + ["\u{A0}", "é", "\u{2028}", "\u{3000}"]
        for scalar in scalars {
            let c = String(scalar)
            for address in ["a\(c)@example.com", "anna@ex\(c)ample.com", "\(c)@x", "a@\(c)", c, "anna@example.com\(c)"] {
                #expect(Mailbox.isValidAddress(address) == Self.byLookup(address), "\(Array(address.unicodeScalars))")
            }
        }
    }
}
