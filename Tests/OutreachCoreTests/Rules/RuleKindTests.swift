import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The one list of rule kinds: every kind reads from TOML under its name, a misspelled name is
/// refused with the list, and each kind says why `explain` finds nothing due.
@Suite struct RuleKindTests {
    let folder = TemporaryFolder()

    /// A configuration with one rule `r` of kind `name` and `keys`, one element per line.
    static func lines(kind name: String, keys: [String]) -> [String] {
        ["[store]", "url = \"sqlite:customers.db\"", "[state]", "url = \"sqlite:state.db\"",
         "[templates]", "path = \"\(TemplateSetTests.shipped)\"", "[channels.spool]", "kind = \"maildir\"",
         "[[rules]]", "name = \"r\"", "kind = \"\(name)\"", "channel = \"spool\"", "template = \"birthday\""] + keys
    }

    func parse(_ lines: [String]) -> (Configuration?, [Diagnostic]) {
        ConfigurationLoader.parse(lines.joined(separator: "\n"), file: folder.file("outreachd.toml"))
    }

    @Test func testTheKindsAreTheContractsInItsOrderEachNamedOnce() {
        #expect(Array(RuleConfiguration.kindNames.prefix(5)) == ["birthday", "post_purchase", "unresolved_ticket", "satisfaction_survey", "inactive"])
        #expect(Set(RuleConfiguration.kindNames).count == RuleConfiguration.kinds.count)
    }

    @Test(arguments: RuleConfiguration.kindNames)
    func testEveryKindParsesFromTOMLAndRoundTripsItsName(_ name: String) throws {
        let sample = try #require(RuleKindSamples.all[name], "kind \(name) has no sample in RuleKindSamples")
        let (config, problems) = parse(Self.lines(kind: name, keys: sample.keys))
        #expect(problems.isEmpty, "\(problems.map(\.description))")
        let rule = try #require(config?.rules.first)
        let registered = try #require(RuleConfiguration.kinds.first { $0.name == name })
        #expect(ObjectIdentifier(type(of: rule.kind)) == ObjectIdentifier(registered))
        #expect(rule.kind.name == name)
        #expect(rule.kind.isEqual(to: sample.kind), "\(rule.kind) is not \(sample.kind)")
        // The kind sets the default lateness: a day for birthdays, a week for the rest (the contract's `max_lateness`).
        #expect(rule == RuleConfiguration(name: "r", kind: sample.kind, channel: "spool", template: "birthday"))
        #expect(rule.maxLateness == (name == "birthday" ? .days(1) : .days(7)))
    }

    @Test(arguments: RuleConfiguration.kindNames)
    func testAMisspelledKindIsRefusedOnceWithEveryKindNamed(_ name: String) throws {
        let misspelled = name.replacingOccurrences(of: "_", with: "-") + "s"
        let sample = try #require(RuleKindSamples.all[name], "kind \(name) has no sample in RuleKindSamples")
        let lines = Self.lines(kind: misspelled, keys: sample.keys)
        let (config, problems) = parse(lines)
        // One error: the kind's keys are not also reported as unknown.
        #expect(problems.map(\.message) == ["unknown rule kind \"\(misspelled)\" (one of: \(RuleConfiguration.kindNames.joined(separator: ", ")))"])
        #expect(problems.first?.line == lines.firstIndex(of: "kind = \"\(misspelled)\"").map { $0 + 1 })
        #expect(config?.rules.isEmpty == true)
    }

    @Test(arguments: RuleConfiguration.kindNames)
    func testEveryKindSaysWhyNothingIsDue(_ name: String) throws {
        let sample = try #require(RuleKindSamples.all[name], "kind \(name) has no sample in RuleKindSamples")
        let why = sample.kind.whyNothingDue(for: RuleKindSamples.customer)
        #expect(!why.isEmpty)
        #expect(why == sample.why)
    }

    /// The sentences `explain` has always printed, for keys the samples do not have.
    @Test func testWhySentencesFollowTheKeys() {
        var noBirthday = RuleKindSamples.customer
        noBirthday.birthday = nil
        #expect(BirthdayRule().whyNothingDue(for: noBirthday) == "no birthday on file")
        noBirthday.birthday = ""
        #expect(BirthdayRule().whyNothingDue(for: noBirthday) == "no birthday on file")
        #expect(PostPurchaseRule(after: .days(14)).whyNothingDue(for: noBirthday) == "no purchase whose check-in (14d later) falls in this range")
        #expect(InactiveRule(tier: "gold", minSpend: nil, after: .days(90)).whyNothingDue(for: noBirthday)
                == "no last purchase 90d before a time in this range (tier gold)")
        #expect(InactiveRule(tier: nil, minSpend: 1000, after: .days(30)).whyNothingDue(for: noBirthday)
                == "no last purchase 30d before a time in this range (, min_spend 1,000)")
    }

    /// Rules compare by kind and keys, so a reloaded configuration that changed only a kind's key is a change.
    @Test func testRulesDifferingOnlyInTheirKindAreDifferent() {
        func rule(_ kind: any RuleKind) -> RuleConfiguration { RuleConfiguration(name: "r", kind: kind, channel: "spool", template: "t") }
        let rules: Set<RuleConfiguration> = [
            rule(BirthdayRule(feb29: .feb28)), rule(BirthdayRule(feb29: .mar1)), rule(BirthdayRule(feb29: .mar1)),
            rule(SatisfactionSurveyRule(after: .days(3))), rule(SatisfactionSurveyRule(after: .days(4))),
            rule(PostPurchaseRule(after: .days(3))),
        ]
        #expect(rules.count == 5)
        #expect(rule(SatisfactionSurveyRule(after: .days(3))) != rule(PostPurchaseRule(after: .days(3))))
    }
}
