import Testing
@testable import OutreachCore

/// `make fuzz` (FuzzConfig) found that a config holding `[,` aborted the process inside TOMLKit's
/// toml++ (an assertion in `parse_key`; undefined behaviour in a release build). Such headers are
/// now refused at their line before TOMLKit sees the text, and nothing valid is refused.
@Suite struct TOMLHeaderGuardTests {
    /// The fuzzer's input, minimized: two bytes.
    @Test func testTheFuzzerInputIsADiagnosticNotATrap() {
        let (config, diagnostics) = ConfigurationLoader.parse("[,", file: "/etc/outreachd/outreachd.toml")
        #expect(config == nil)
        #expect(diagnostics.map(\.description) == ["/etc/outreachd/outreachd.toml:1: a table header starts with its name: [store], [[rules]] or [\"quoted name\"]"])
    }

    @Test(arguments: [
        ("[store]\nurl = \"sqlite:x.db\"\n[,\n", 3),
        ("\u{FEFF}[,]", 1),
        ("a = 1\n  [[ ,rules]]\n", 2),
        ("[\n", 1),
        ("[ =x]", 1),
        ("# [ok]\ns = \"\"\"\n[ok]\n\"\"\"\n[ {x}]", 5),
        ("[\u{00A0}store]", 1),
    ])
    func testAHeaderWithoutAKeyIsRefusedAtItsLine(_ c: (String, Int)) {
        #expect(TOMLHeaderGuard.lineOfKeylessHeader(in: c.0) == c.1)
        let (_, diagnostics) = ConfigurationLoader.parse(c.0, file: "outreachd.toml")
        #expect(diagnostics.map(\.line) == [c.1])
    }

    /// Brackets that are not headers: in strings of every kind, comments, arrays and inline tables.
    @Test(arguments: [
        "[store]\nurl = \"sqlite:x.db\"\n[[rules]]\nname = \"a\"\n[ \"quoted key\" ]\n['literal']\n[ a . b ]\n[-x]\n[_]\n[0]",
        "s = \"\"\"\n[,\n\"\"\"",
        "s = '''\n[,\n'''",
        "s = \"\"\"a \\\"\"\" still inside\n[,\n\"\"\"",
        "s = \"[,\"\nt = '[,'",
        "x = [\n  [ {a = 1} ],\n  [,\n]",
        "# [,\n  # [ ,",
        "t = { a = [\n[,\n] }",
        "[]",
    ])
    func testBracketsThatAreNoHeaderPass(_ text: String) {
        #expect(TOMLHeaderGuard.lineOfKeylessHeader(in: text) == nil)
    }
}
