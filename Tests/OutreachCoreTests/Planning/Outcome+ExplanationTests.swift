import Foundation
import Testing
@testable import OutreachCore

/// `explain`'s sentences say each time once.
@Suite struct OutcomeExplanationTests {
    let zone = TimeZone(identifier: "Europe/Budapest")!
    let t1 = at("2026-11-24T07:00:00Z")
    let t2 = at("2026-11-24T08:00:00Z")
    let t3 = at("2026-11-25T08:00:00Z")
    func t(_ d: Date) -> String { Timestamp.format(d, in: zone) }

    /// How often each instant's text appears in `sentence`.
    func mentions(_ sentence: String) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: [t1, t2, t3].map { (t($0), sentence.components(separatedBy: t($0)).count - 1) })
    }

    @Test func testNotYetDueSaysTheTimeOnce() {
        let sentence = Outcome.waiting(until: t1, reasons: [.notYetDue(until: t1)]).explanation(in: zone)
        #expect(sentence == "waits until \(t(t1)): not yet due")
    }

    @Test func testEachWaitSaysItsEndUnlessTheSentenceAlreadyDid() {
        let two = Outcome.waiting(until: t2, reasons: [.notYetDue(until: t1), .quietHours(until: t2)]).explanation(in: zone)
        #expect(two == "waits until \(t(t2)): not yet due until \(t(t1)), then quiet hours")
        let three = Outcome.waiting(until: t3, reasons: [.notYetDue(until: t1), .frequencyCap(until: t2, by: "birthday:C1:2026"), .quietHours(until: t3)])
            .explanation(in: zone)
        #expect(three == "waits until \(t(t3)): not yet due until \(t(t1)), then frequency cap (birthday:C1:2026) until \(t(t2)), then quiet hours")
    }

    @Test func testWithTheDueTimeAlreadySaidNotYetDueRepeatsNothing() {
        // explain prints "KEY: due T1; …" first.
        #expect(Outcome.waiting(until: t1, reasons: [.notYetDue(until: t1)]).explanation(in: zone, due: t1) == "not yet due")
        let two = Outcome.waiting(until: t2, reasons: [.notYetDue(until: t1), .quietHours(until: t2)]).explanation(in: zone, due: t1)
        #expect(two == "waits until \(t(t2)): not yet due, then quiet hours")
        let capped = Outcome.waiting(until: t2, reasons: [.frequencyCap(until: t2, by: "inactive:C1:P1")]).explanation(in: zone, due: t1)
        #expect(capped == "waits until \(t(t2)): frequency cap (inactive:C1:P1)")
    }

    @Test func testNoSentenceSaysAnInstantTwice() {
        let waits: [[Outcome.Wait]] = [
            [.notYetDue(until: t1)], [.quietHours(until: t1)], [.frequencyCap(until: t1, by: "k")],
            [.notYetDue(until: t1), .quietHours(until: t2)], [.notYetDue(until: t1), .frequencyCap(until: t2, by: "k"), .quietHours(until: t3)],
            [.quietHours(until: t1), .frequencyCap(until: t3, by: "k")],
        ]
        for reasons in waits {
            let end = reasons.last!.end
            // The due time is the end of "not yet due" when that is a reason, else already past.
            let past: Date
            if case .notYetDue(let until) = reasons[0] { past = until } else { past = t1.addingTimeInterval(-86_400) }
            for due in [nil, past] as [Date?] {
                let waiting = Outcome.waiting(until: end, reasons: reasons).explanation(in: zone, due: due)
                let said = due.map { "due \(t($0)); " } ?? ""
                #expect(mentions(said + waiting).values.allSatisfy { $0 <= 1 }, "\(said + waiting)")
                let expiring = Outcome.willExpire(at: t3.addingTimeInterval(60), reasons: reasons).explanation(in: zone, due: due)
                #expect(mentions(said + expiring).values.allSatisfy { $0 <= 1 }, "\(said + expiring)")
            }
        }
    }

    @Test func testWillExpireStillSaysWhenEachWaitEnds() {
        let sentence = Outcome.willExpire(at: t3, reasons: [.notYetDue(until: t1), .quietHours(until: t2)]).explanation(in: zone)
        #expect(sentence == "cannot go out before its deadline (not yet due until \(t(t1)), then quiet hours until \(t(t2))); will be recorded as expired at \(t(t3))")
    }
}
