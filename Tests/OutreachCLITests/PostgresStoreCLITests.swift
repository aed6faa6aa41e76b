import Foundation
import OutreachTestSupport
import Testing

/// The operator's view of a PostgreSQL store: `check` and `init` print the CREATE INDEX
/// statements it lacks (and alter nothing), `preview` reads it, `import` refuses it.
@Suite struct PostgresStoreCLITests {
    @Test func testCheckAndInitPrintTheIndexesThenPreviewReadsTheStore() throws {
        let server = try PostgresServer.shared.get()
        let role = try server.makeSchema()
        try server.psql("""
            SET ROLE \(role); SET search_path TO \(role);
            CREATE TABLE customers(id text PRIMARY KEY, name text NOT NULL, email text, phone text, locale text, timezone text,
              birthday date, tier text, opted_out boolean NOT NULL DEFAULT false, created_at timestamptz);
            CREATE TABLE purchases(id text PRIMARY KEY, customer_id text NOT NULL, purchased_at timestamptz NOT NULL, amount numeric,
              currency text, item text);
            CREATE TABLE tickets(id text PRIMARY KEY, customer_id text NOT NULL, subject text, status text NOT NULL,
              opened_at timestamptz NOT NULL, updated_at timestamptz NOT NULL, solved_at timestamptz);
            INSERT INTO customers(id, name, email, locale, timezone, birthday) VALUES ('C1', 'Kovács Anna', 'anna@example.hu', 'hu', 'Europe/Budapest', '1980-11-23');
            """, database: server.database)
        let demo = try CLIDemo()
        let url = server.url(user: role)
        let text = try String(contentsOfFile: demo.config, encoding: .utf8)
        let lines = text.components(separatedBy: "\n")
        let storeLine = try #require(lines.firstIndex { $0.hasPrefix("url = \"sqlite:") }) + 1
        try text.replacingOccurrences(of: lines[storeLine - 1], with: "url = \"\(url)\"").write(toFile: demo.config, atomically: true, encoding: .utf8)

        let check = try demo.run("check")
        #expect(check.status == 1, "\(check)")
        let indexLines = check.stderr.components(separatedBy: "\n").filter { $0.contains("CREATE INDEX") }
        #expect(indexLines.count == 6, "\(check)")
        #expect(indexLines.allSatisfy { $0.hasPrefix("\(demo.config):\(storeLine): \(url): no index serves") }, "\(check)")
        #expect(check.hasNoStackTrace)

        let initialised = try demo.run("init")
        #expect(initialised.status == 1, "\(initialised)")
        #expect(initialised.stderr.components(separatedBy: "\n").filter { $0.contains("CREATE INDEX") }.count == 6, "\(initialised)")

        // As printed, the statements satisfy both; the tables were not touched by either.
        let statements = indexLines.compactMap { line in line.range(of: "CREATE INDEX").map { String(line[$0.lowerBound...].prefix { $0 != ";" }) } }
        try server.psql("SET ROLE \(role); SET search_path TO \(role); " + statements.joined(separator: "; "), database: server.database)
        #expect(try demo.run("check").status == 0)
        let again = try demo.run("init")
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout.contains("checked, not changed"), "\(again)")

        let preview = try demo.run("preview", "--at", "2026-11-23T10:00:00+01:00", "--format", "jsonl")
        #expect(preview.status == 0, "\(preview)")
        #expect(preview.stdout.contains("\"customer_id\":\"C1\""), "\(preview)")

        let csv = demo.folder.write("customers.csv", "id,name\nC2,B\n")
        let imported = try demo.run("import", "customers", csv)
        #expect(imported.status == 1, "\(imported)")
        #expect(imported.stderr.contains("import writes SQLite stores only"), "\(imported)")
    }
}
