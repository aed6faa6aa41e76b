import Foundation
import OutreachTestSupport
import Testing

/// Contract details an operator sees: the import progress bar on a terminal, and explain after delivery.
@Suite struct OperatorTests {
    /// A customers CSV of `count` rows.
    func customersCSV(in folder: TemporaryFolder, count: Int) -> String {
        var text = "id,name,email,locale,timezone,birthday\n"
        for i in 1...count { text += "P\(i),Customer \(i),p\(i)@example.com,hu,Europe/Budapest,1980-03-15\n" }
        return folder.write("customers.csv", text)
    }

    @Test func testImportDrawsAProgressBarOnATerminalOnly() throws {
        let demo = try CLIDemo()
        let csv = customersCSV(in: demo.folder, count: 5000)
        // util-linux `script` gives the command a real pseudo-terminal.
        let command = "\(CLI.binary) import customers \(csv) --config \(demo.config)"
        let onTerminal = try runProcess("/usr/bin/script", ["-qefc", command, "/dev/null"], in: demo.folder.path,
                                        environment: ProcessInfo.processInfo.environment, timeout: 60).result
        #expect(onTerminal.status == 0, "\(onTerminal)")
        #expect(onTerminal.stdout.contains("\r["), "no progress bar on a terminal: \(onTerminal)")
        #expect(onTerminal.stdout.contains("100%  5000 rows"), "\(onTerminal)")
        #expect(onTerminal.stdout.contains("5000 rows imported into customers"), "\(onTerminal)")
        let piped = try demo.run("import", "customers", csv)
        #expect(piped.status == 0, "\(piped)")
        #expect(!piped.stderr.contains("\r") && !piped.stdout.contains("\r"), "a progress bar went to a file: \(piped)")
        #expect(piped.stdout.contains("5000 rows imported into customers"), "\(piped)")
    }

    @Test func testExplainSaysAlreadySentAfterDelivery() throws {
        // Seeded at the real time so `run --once` (which has no --at) delivers the demo's due messages.
        let now = ISO8601DateFormatter().string(from: Date())
        let demo = try CLIDemo(at: now)
        let preview = try demo.run("preview", "--format", "jsonl", "--rule", "birthday")
        let first = try #require(preview.lines.first.flatMap { jsonObject($0) })
        let customer = try #require(first["customer_id"] as? String)
        let key = try #require(first["key"] as? String)
        let before = try demo.run("explain", "--customer", customer)
        #expect(before.stdout.contains("\(key): due") && before.stdout.contains("due now"), "\(before)")
        let run = try demo.run("run", "--once")
        #expect(run.status == 0, "\(run)")
        let after = try demo.run("explain", "--customer", customer)
        #expect(after.status == 0, "\(after)")
        #expect(after.stdout.contains("already sent"), "\(after)")
        #expect(after.stdout.contains("never sent again"), "\(after)")
        #expect(!after.stdout.contains("due now"), "\(after)")
    }
}
