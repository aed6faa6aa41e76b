import Foundation
import Testing
@testable import OutreachCore

/// `preview --format jsonl` writes its lines by hand; they must be what `JSONEncoder` writes.
@Suite struct JSONLineTests {
    struct Line: Encodable {
        var body: String
        var channel: String
        var subject: String?
        var to: String
    }

    static let awkward = [
        "", "plain", "line\nbreak\r\nand \t tab", "quote \" and back\\slash", "a/b/c https://example.com/x",
        "\u{0}\u{1}\u{8}\u{b}\u{c}\u{1f}\u{7f}", "Árvíztűrő tükörfúrógép", "สุขสันต์วันเกิด 🎂", "\u{2028}\u{2029}\u{feff}",
        "e\u{301} and \r\n at once", String(repeating: "x", count: 5000) + "\"",
    ]

    @Test(arguments: awkward)
    func testALineIsWhatJSONEncoderWrites(_ text: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for subject in [nil, text] {
            let expected = String(decoding: try encoder.encode(Line(body: text, channel: "c/\(text)", subject: subject, to: text)), as: UTF8.self)
            var line = JSONLine()
            line.field("body", text)
            line.field("channel", "c/\(text)")
            if let subject { line.field("subject", subject) }
            line.field("to", text)
            #expect(line.finished == expected)
        }
    }
}
