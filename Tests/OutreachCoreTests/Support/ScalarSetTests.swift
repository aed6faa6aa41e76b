import Foundation
import Testing
@testable import OutreachCore

/// The byte-level and table-free checks that rendering uses in place of Foundation's and
/// Unicode's, compared with them over every Unicode scalar.
@Suite struct ScalarSetTests {
    static let scalars = (0...0x10FFFF).compactMap(Unicode.Scalar.init)

    @Test func testLineBreakOrControlIsTheSameSetAsTheGeneralCategoryCheck() {
        let differ = Self.scalars.filter {
            "a\($0)b".containsLineBreakOrControl != ($0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}")
        }
        #expect(differ.isEmpty, "\(differ.map { "U+" + String($0.value, radix: 16) })")
        // At the very end, where a look-ahead could run past the text.
        #expect("x\u{2028}".containsLineBreakOrControl && "x\u{85}".containsLineBreakOrControl && !"x\u{C2}".containsLineBreakOrControl)
    }

    @Test func testWhitespaceIsCharacterSetWhitespaces() {
        let differ = Self.scalars.filter { $0.isInWhitespaces != CharacterSet.whitespaces.contains($0) }
        #expect(differ.isEmpty, "\(differ.map { "U+" + String($0.value, radix: 16) })")
    }

    @Test(arguments: ["", " ", "\t a \u{3000}", "\u{A0}x", "x\u{2003}", "ok", "สวัสดี ", " ő", "\n x \n"])
    func testTrimmingWhitespaceIsFoundationsTrimming(_ text: String) {
        #expect(text.trimmingWhitespace() == text.trimmingCharacters(in: .whitespaces))
    }

    /// Every ASCII scalar, and a few others, at either end of an address or a zone name.
    @Test func testTrimmingWhitespaceAndNewlinesIsFoundationsTrimming() {
        let ends = (0...0x7F).compactMap(Unicode.Scalar.init) + ["\u{85}", "\u{A0}", "\u{2028}", "\u{3000}", "ő"]
        let differ = ends.flatMap { end in ["\(end)a@x", "a@x\(end)", "\(end)"] }
            .filter { $0.trimmingWhitespaceAndNewlines() != $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(differ.isEmpty, "\(differ.map { $0.debugDescription })")
    }
}
