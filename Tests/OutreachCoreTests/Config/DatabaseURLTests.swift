import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// `[store]` and `[state]` urls: `password_file` beside a `postgres://` url, and a url that cannot
/// be used reported at its line without its password.
@Suite struct DatabaseURLTests {
    func parse(_ store: [String], state: [String] = ["url = \"sqlite:state.db\""]) -> (Configuration?, [Diagnostic]) {
        ConfigurationLoader.parse((["[store]"] + store + ["[state]"] + state).joined(separator: "\n"), file: "/etc/outreachd/outreachd.toml")
    }

    @Test func testPasswordFileIsReadBesideAPostgresURLInStoreAndState() throws {
        let (config, problems) = parse(["url = \"postgres://app@db.example.com/crm?sslmode=verify-full\"", "password_file = \"pg\""],
                                       state: ["url = \"postgresql://ledger@db.example.com/outreach\"", "password_file = \"/run/credentials/outreachd.service/state\""])
        #expect(problems.isEmpty, "\(problems)")
        #expect(config?.store.passwordFile == "/etc/outreachd/pg")
        #expect(config?.state.passwordFile == "/run/credentials/outreachd.service/state")
        #expect(config?.storeLine == 2 && config?.stateLine == 5)
        #expect(config?.store.description == "postgres://app@db.example.com:5432/crm?sslmode=verify-full")
    }

    @Test func testBadPostgresURLIsReportedAtItsLineWithoutThePassword() {
        let (_, problems) = parse(["url = \"postgres://app:hunter2@db.example.com/\""])
        #expect(problems.count == 1)
        #expect(problems.first?.line == 2)
        #expect(problems.first?.message.contains("names no database") == true, "\(problems)")
        #expect(problems.allSatisfy { !$0.description.contains("hunter2") }, "\(problems)")
    }

    @Test func testPasswordFileNeedsAPostgresURLAndNoSecondPassword() {
        let (_, sqlite) = parse(["url = \"sqlite:customers.db\"", "password_file = \"pg\""])
        #expect(sqlite.map(\.message) == ["store.password_file is only used with a postgres:// url"])
        let (_, both) = parse(["url = \"postgres://app:pw@db/crm\"", "password_file = \"pg\""])
        #expect(both.count == 1 && both.first?.message.contains("keep one") == true, "\(both)")
        #expect(both.allSatisfy { !$0.description.contains(":pw@") })
    }

    @Test func testUnknownKeyInStoreIsAnError() {
        let (_, problems) = parse(["url = \"sqlite:customers.db\"", "pasword_file = \"pg\""])
        #expect(problems.map(\.message) == ["unknown key \"store.pasword_file\""])
        #expect(problems.first?.line == 3)
    }

    @Test func testPostgresStoreErrorsNameTheConfigLineAndTheURL() throws {
        let folder = TemporaryFolder()
        let port = try closedLoopbackPort()
        let config = try makeDeployment(in: folder, rules: "")
        let text = try String(contentsOfFile: config, encoding: .utf8)
            .replacingOccurrences(of: "url = \"sqlite:customers.db\"", with: "url = \"postgres://app:hunter2@127.0.0.1:\(port)/crm\"")
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        do {
            _ = try Outreach.open(configFile: config)
            Issue.record("opened")
        } catch {
            let message = "\(error)"
            #expect(message.hasPrefix("\(config):2: [store] url postgres://app@127.0.0.1:\(port)/crm: connection refused"), "\(message)")
            #expect(!message.contains("hunter2") && !message.contains("\n"))
        }
    }
}
