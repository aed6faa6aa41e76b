import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// Template syntax errors as an operator meets them: what is wrong, at the line of the tag, in
/// words (not swift-mustache's "overflow" or "unfinishedName").
@Suite struct TemplateScanTests {
    let folder = TemporaryFolder()

    /// The problems of loading a folder holding only `greet.txt` with `text`.
    func problems(_ text: String) -> [Diagnostic] {
        folder.write("templates/greet.txt", text)
        return TemplateSet.load(folder: folder.file("templates")).1
    }

    /// Exactly one problem, in greet.txt on `line`, whose message holds every one of `texts`.
    func expectOne(_ text: String, line: Int, _ texts: String..., sourceLocation: SourceLocation = #_sourceLocation) {
        let found = problems(text)
        #expect(found.count == 1, "\(found.map(\.description))", sourceLocation: sourceLocation)
        guard let d = found.first else { return }
        #expect(d.file == folder.file("templates/greet.txt"), sourceLocation: sourceLocation)
        #expect(d.line == line, "\(d.description)", sourceLocation: sourceLocation)
        for t in texts { #expect(d.message.contains(t), "\(d.description)", sourceLocation: sourceLocation) }
        for opaque in ["overflow", "unfinishedName", "Error("] { #expect(!d.message.contains(opaque), "\(d.description)", sourceLocation: sourceLocation) }
    }

    @Test func testATagLeftOpenAtTheEndOfTheFileSaysSoOnItsLine() {
        expectOne("Subject: Hi\n\nHello {{customer.name", line: 3, "\"{{customer.name\" is never closed", "}}")
        expectOne("Subject: Hi\n\nHello\n\n{{customer.name   ", line: 5, "never closed")
        expectOne("Subject: Hi\n\nHello {{", line: 3, "never closed")
        expectOne("Subject: Hi\n\nHello {{#customer.email", line: 3, "never closed")
        expectOne("Subject: Hi\n\nHello {{> footer", line: 3, "never closed")
    }

    @Test func testATagLeftOpenAtTheEndOfALineSaysSoOnItsLine() {
        expectOne("Subject: Hi\n\nHello {{customer.name\nRegards, {{company.name}}\n", line: 3, "\"{{customer.name\" is never closed")
        expectOne("Subject: Hi\n\nHello {{customer.name {{company.name}}\n", line: 3, "never closed")
        expectOne("Subject: Hello {{customer.first_name\n\nBody\n", line: 1, "never closed")
        expectOne("Subject: Hi\n\n{{#customer.email}}\nWe write to {{customer.email\n{{/customer.email}}\n", line: 4, "never closed")
    }

    @Test func testOtherMalformedTagsSayWhatIsWrong() {
        expectOne("Subject: Hi\n\nHello {{customer name}}\n", line: 3, "unexpected \"n\"", "{{customer name}}", "one name")
        expectOne("Subject: Hi\n\nHello {{ügyfél.név}}\n", line: 3, "unexpected \"ü\"")
        expectOne("Subject: Hi\n\nHello {{}}\n", line: 3, "has no name")
        expectOne("Subject: Hi\n\nHello {{{customer.name}}\n", line: 3, "three braces", "}}}")
        expectOne("Subject: Hi\n\nA\nB\n{{! a comment that never ends\nC\n", line: 5, "comment", "never closed")
        expectOne("Subject: Hi\n\nHello {{customer.name}!\n", line: 3, "unexpected \"}\"")
    }

    @Test func testSectionMistakesNameBothTagsAndLines() {
        expectOne("Subject: Hi\n\nHi,\n{{#customer.email}}\nmail\n{{/customer.phone}}\nBye\n", line: 6,
                  "{{/customer.phone}}", "{{#customer.email}}", "line 4", "{{/customer.email}}")
        expectOne("Subject: Hi\n\nHi,\n{{/customer.email}}\n", line: 4, "never opened")
        expectOne("Subject: Hi\n\n{{^customer.email}}\nno mail\n", line: 3, "{{^customer.email}} is never closed", "{{/customer.email}}")
        expectOne("Subject: Hi\n\n{{#customer.email}}\n{{#customer.phone}}\n{{/customer.email}}\n{{/customer.phone}}\n", line: 5,
                  "does not match the open section {{#customer.phone}}")
    }

    @Test func testSyntaxOutreachdDoesNotSupportIsRefusedWhenLoading() {
        expectOne("Subject: Hi\n\nHello\n{{=<% %>=}}\n<%customer.name%>\n", line: 4, "changing delimiters", "not supported")
        expectOne("Subject: Hi\n\n{{<layout}}{{$body}}x{{/body}}{{/layout}}\n", line: 3, "inheritance", "not supported")
        expectOne("Subject: Hi\n\nx\n{{$body}}x{{/body}}\n", line: 4, "inheritance")
        expectOne("Subject: Hi\n\n{{%CONTENT_TYPE:HTML}}\n{{customer.name}}\n", line: 3, "pragma", "plain text")
        expectOne("Subject: Hi\n\n{{%NOPE}}\n", line: 3, "pragma")
        expectOne("Subject: Hi\n\n{{>*customer.name}}\n", line: 3, "dynamic partials", "not supported")
    }

    @Test func testWellFormedTagsStillLoad() {
        let text = "Subject: Hi {{customer.first_name}}\n\nHi {{ customer.first_name }}, {{&company.name}} {{{company.name}}} {{! note }}\n"
            + "{{#customer.email}}\n  mail {{customer.email}}\n{{/customer.email}}\n{{^customer.phone}}no phone{{/customer.phone}}\n"
            + "{{!\n a comment\n over lines\n}}\n{{%CONTENT_TYPE:TEXT}}\n{ single braces } and }} are text\n"
        #expect(problems(text).isEmpty, "\(problems(text).map(\.description))")
    }

    @Test func testScanFindsEveryTagWithItsLine() {
        let scan = TemplateScan("a {{x}}\n{{#s}}\n{{! c\n}} {{> p}}\n{{/s}} {{{y}}} {{&z}}", firstLine: 10)
        #expect(scan.problem == nil)
        #expect(scan.tags == [TemplateTag(kind: .variable, name: "x", line: 10), TemplateTag(kind: .section, name: "s", line: 11),
                              TemplateTag(kind: .comment, name: "", line: 12), TemplateTag(kind: .partial, name: "p", line: 13),
                              TemplateTag(kind: .close, name: "s", line: 14), TemplateTag(kind: .variable, name: "y", line: 14),
                              TemplateTag(kind: .variable, name: "z", line: 14)])
    }

    @Test func testScanningIsLinearInTheTextsLength() throws {
        // 8 MB with 270 000 tags: about a second when linear; the quadratic scanner it
        // replaces copied the rest of the text at every tag (days for this).
        let text = String(repeating: "Dear {{customer.first_name}}!\n", count: 270_000)
        let count = try finishing(within: 60) { TemplateScan(text).tags.count }
        #expect(count == 270_000, "still scanning after 60 s")
    }
}
