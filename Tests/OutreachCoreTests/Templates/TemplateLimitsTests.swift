import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// Loading and checking templates stays quick whatever is in the folder: files beyond the limits
/// are refused at once with a message, and files within them load.
///
/// The time limits below only keep a regression from hanging the suite; what they guard takes
/// milliseconds (or about two seconds for the largest accepted file), against the quarter of an
/// hour a 2 MB template with many tags took before.
@Suite struct TemplateLimitsTests {
    let folder = TemporaryFolder()

    /// Loads the templates folder (with `files` written into it) on a thread of its own, at most `seconds`.
    func load(_ files: [String: String], within seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation) throws -> (TemplateSet, [Diagnostic])? {
        for (name, text) in files { folder.write("templates/\(name)", text) }
        let path = folder.file("templates")
        let loaded = try finishing(within: seconds) { TemplateSet.load(folder: path) }
        #expect(loaded != nil, "still loading after \(Int(seconds)) s", sourceLocation: sourceLocation)
        return loaded
    }

    /// `lines` copies of a line with two tags, after a subject: about 64 bytes and 4 braces a line.
    static func tagged(lines: Int) -> String {
        "Subject: Hello {{customer.first_name}}\n\n" + String(repeating: "Dear {{customer.first_name}}, from {{company.name}} with love.\n", count: lines)
    }

    @Test func testATemplateOfTwoMegabytesIsRefusedAtOnceNamingTheFile() throws {
        let (_, problems) = try #require(try load(["big.txt": Self.tagged(lines: 32_000), "ok.txt": "Subject: Hi\n\nHello\n"]))
        #expect(problems.count == 1, "\(problems.map(\.description))")
        let d = try #require(problems.first)
        #expect(d.file == folder.file("templates/big.txt"))
        #expect(d.message.contains("the file is 1.9 MiB") && d.message.contains("at most 1.0 MiB"), "\(d.description)")
    }

    @Test func testMoreBracesThanTheLimitAreRefusedAtTheLineThatPassesIt() throws {
        // 500 lines of 4 braces fill the limit exactly; the next line passes it.
        let (_, within) = try #require(try load(["a.txt": Self.tagged(lines: 500 - 1)]))
        #expect(within.isEmpty, "\(within.map(\.description))")   // 2 in the subject + 499 × 4 = 1998
        let (_, over) = try #require(try load(["a.txt": Self.tagged(lines: 6_000)]))
        let d = try #require(over.first)
        #expect(over.count == 1, "\(over.map(\.description))")
        #expect(d.line == 502, "\(d.description)")   // 2 in the subject, 1996 in body lines 1-499: body line 500 (line 502) holds brace 2001
        #expect(d.message.contains("at most 2000"), "\(d.description)")
    }

    @Test func testTheLargestTemplateWithinTheLimitsLoads() throws {
        // Nearly 1 MiB, with its tags at the top: the most work swift-mustache's parser does within the limits.
        let head = "Subject: Hello {{customer.first_name}}\n\n" + String(repeating: "{{company.name}}\n", count: 998)
        let text = head + String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n", count: (TemplateLimits.fileSize - head.utf8.count) / 57)
        #expect(text.utf8.count <= TemplateLimits.fileSize)
        let (set, problems) = try #require(try load(["big.txt": text]))
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        #expect(set.template("big", locale: nil) != nil)
    }

    @Test func testPartialsIncludedManyTimesOverAreRefusedWithoutExpandingThem() throws {
        // a includes b 999 times, b includes c 999 times, c includes d 999 times: 10⁹ copies of d.
        let includes = { (name: String) in String(repeating: "{{> \(name)}}", count: 999) }
        let (set, loadProblems) = try #require(try load([
            "a.txt": "Subject: Hi\n\n" + includes("b") + "\n", "b.txt": includes("c"), "c.txt": includes("d"), "d.txt": "Hello {{customer.name}}!\n",
        ]))
        #expect(loadProblems.isEmpty, "\(loadProblems.map(\.description))")
        var config = Configuration(file: folder.file("outreachd.toml"), store: .sqlite(folder.file("customers.db")),
                                   state: .sqlite(folder.file("state.db")), templates: .init(path: set.folder))
        config.channels = ["email": emailChannel]
        let rule = makeRule("a", BirthdayRule(feb29: .feb28))
        let configuration = config
        let problems = try #require(try finishing(within: 60) { set.validate(rule: rule, channel: emailChannel, configuration: configuration) })
        #expect(problems.count == 1, "\(problems.map(\.description))")
        let d = try #require(problems.first)
        #expect(d.message.contains("partials") && d.message.contains("1.0 MiB"), "\(d.description)")
    }

    @Test func testAFooterIncludedOnceIsNoProblem() throws {
        let (set, loadProblems) = try #require(try load(["a.txt": "Subject: Hi\n\nHi {{customer.first_name}}\n{{> footer}}\n", "footer.txt": "Regards, {{company.name}}\n"]))
        #expect(loadProblems.isEmpty)
        var config = Configuration(file: folder.file("outreachd.toml"), store: .sqlite(folder.file("customers.db")),
                                   state: .sqlite(folder.file("state.db")), templates: .init(path: set.folder))
        config.company = ["name": "Example Kft."]
        let problems = set.validate(rule: makeRule("a", BirthdayRule(feb29: .feb28)), channel: emailChannel, configuration: config)
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        #expect(set.template("a", locale: nil)?.required.names == ["company.name", "customer.first_name"])
    }
}
