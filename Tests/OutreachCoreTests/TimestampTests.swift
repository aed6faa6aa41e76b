import Foundation
import Testing
@testable import OutreachCore

@Suite struct TimestampTests {
    @Test func testParsesOffsetsAndZulu() {
        #expect(Timestamp.parse("2026-11-23T10:00:00+01:00") == at("2026-11-23T09:00:00Z"))
        #expect(Timestamp.parse("2026-11-23T10:00:00-05:30")?.timeIntervalSince1970 == at("2026-11-23T15:30:00Z").timeIntervalSince1970)
        #expect(Timestamp.parse("2026-11-23T10:00Z") == at("2026-11-23T10:00:00Z"))
        #expect(Timestamp.parse("2026-11-23 10:00:00.250Z")?.timeIntervalSince1970 == at("2026-11-23T10:00:00Z").timeIntervalSince1970 + 0.25)
    }

    @Test(arguments: ["2026-11-23T10:00:00", "2026-11-23", "2026-02-29T10:00:00Z", "2026-13-01T00:00:00Z", "2026-11-23T24:00:00Z",
                      "2026-11-23T10:00:00+0100", "23/11/2026 10:00", "", "2026-11-23T10:00:00Zjunk", "2026-11-23T10:00:00.Z"])
    func testRefusesAnythingWithoutAnExactInstant(_ text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    @Test func testLeapDayExistsOnlyInLeapYears() {
        #expect(Timestamp.parse("2024-02-29T12:00:00Z") != nil)
        #expect(Timestamp.parse("2100-02-29T12:00:00Z") == nil)
        #expect(Timestamp.parse("2000-02-29T12:00:00Z") != nil)
    }

    @Test func testFormatUsesTheZoneOffsetOfThatInstant() {
        #expect(Timestamp.format(at("2026-07-01T12:00:00Z"), in: zone("Europe/Budapest")) == "2026-07-01T14:00:00+02:00")
        #expect(Timestamp.format(at("2026-12-01T12:00:00Z"), in: zone("Europe/Budapest")) == "2026-12-01T13:00:00+01:00")
        #expect(Timestamp.format(at("2026-12-01T12:00:00Z"), in: zone("Asia/Kolkata")) == "2026-12-01T17:30:00+05:30")
        #expect(Timestamp.format(at("2026-12-01T12:00:00Z"), in: zone("UTC")) == "2026-12-01T12:00:00Z")
    }

    /// The digits are placed by hand; they must read as the `String(format:)` version wrote them.
    @Test func testFormatWritesWhatStringFormatWrote() {
        var random = SplitMix64(seed: 66)
        let zones = ["UTC", "GMT", "Europe/Budapest", "America/St_Johns", "Asia/Kathmandu", "Pacific/Chatham", "America/Los_Angeles"]
            .compactMap(TimeZone.init(identifier:))
        for _ in 0..<20_000 {
            // From 1900 to 2200, whole and fractional seconds.
            let instant = Date(timeIntervalSince1970: Double(random.next(below: 9_467_280_000)) - 2_208_988_800 + Double(random.next(below: 1000)) / 1000)
            let zone = zones[random.next(below: zones.count)]
            let offset = zone.secondsFromGMT(for: instant)
            let local = Int((instant.timeIntervalSince1970 + Double(offset)).rounded(.down))
            let days = Int((Double(local) / 86_400).rounded(.down))
            let sec = local - days * 86_400
            let off = abs(offset)
            let expected = CivilDate(daysSinceEpoch: days).description + String(format: "T%02d:%02d:%02d", sec / 3600, sec / 60 % 60, sec % 60)
                + (zone.identifier == "UTC" || zone.identifier == "GMT" ? "Z" : String(format: "%@%02d:%02d", offset < 0 ? "-" : "+", off / 3600, off / 60 % 60))
            #expect(Timestamp.format(instant, in: zone) == expected)
        }
    }

    @Test func testArgumentDateMeansStartOfDayInTheDefaultZone() {
        #expect(Timestamp.parseArgument("2026-12-24", defaultZone: zone("Europe/Budapest")) == at("2026-12-24T00:00:00+01:00"))
        #expect(Timestamp.parseArgument("2026-12-24T10:00:00+01:00", defaultZone: zone("Asia/Tokyo")) == at("2026-12-24T09:00:00Z"))
        #expect(Timestamp.parseArgument("tomorrow", defaultZone: zone("UTC")) == nil)
    }

    @Test func testJulianDayMatchesSQLite() {
        // SQLite: SELECT julianday('2000-01-01T12:00:00Z') = 2451545.0
        #expect(Timestamp.julianDay(at("2000-01-01T12:00:00Z")) == 2_451_545.0)
    }

    @Test func testCivilDateRoundTripsEveryDayOfFourCenturies() {
        var date = CivilDate(year: 1900, month: 1, day: 1)!
        for days in date.daysSinceEpoch...(CivilDate(year: 2300, month: 1, day: 1)!.daysSinceEpoch) {
            #expect(CivilDate(daysSinceEpoch: days) == date)
            if date.daysSinceEpoch != days { break }
            date = CivilDate(year: date.year, month: date.month, day: date.day + 1)
                ?? CivilDate(year: date.year, month: date.month + 1, day: 1) ?? CivilDate(year: date.year + 1, month: 1, day: 1)!
        }
    }

    @Test func testTimeSpanParsing() {
        #expect(TimeSpan(parsing: "30s")?.seconds == 30)
        #expect(TimeSpan(parsing: "15m")?.seconds == 900)
        #expect(TimeSpan(parsing: "48h")?.seconds == 172_800)
        #expect(TimeSpan(parsing: "14d")?.seconds == 1_209_600)
        for bad in ["", "d", "14", "1.5h", "-3d", "14 d", "2w"] { #expect(TimeSpan(parsing: bad) == nil, "\(bad)") }
    }
}

@Suite struct LocalTimeTests {
    let budapest = zone("Europe/Budapest")

    @Test func testTimeInSpringGapMovesForwardByTheGap() {
        // 2026-03-29: 02:00 → 03:00 in Budapest. 02:30 does not exist; RFC 5545 reads it as 03:30 CEST.
        let t = LocalTime.instant(CivilDate(year: 2026, month: 3, day: 29)!, TimeOfDay(hour: 2, minute: 30)!, in: budapest)
        #expect(t == at("2026-03-29T03:30:00+02:00"))
    }

    @Test func testTimeInAutumnOverlapMeansItsFirstOccurrence() {
        // 2026-10-25: 03:00 CEST → 02:00 CET; 02:30 happens twice, first at +02:00.
        let t = LocalTime.instant(CivilDate(year: 2026, month: 10, day: 25)!, TimeOfDay(hour: 2, minute: 30)!, in: budapest)
        #expect(t == at("2026-10-25T02:30:00+02:00"))
        let ny = LocalTime.instant(CivilDate(year: 2026, month: 11, day: 1)!, TimeOfDay(hour: 1, minute: 30)!, in: zone("America/New_York"))
        #expect(ny == at("2026-11-01T01:30:00-04:00"))
    }

    @Test func testHalfHourDSTOfLordHowe() {
        // Lord Howe moves 30 minutes: 2026-10-04 02:00 → 02:30.
        let t = LocalTime.instant(CivilDate(year: 2026, month: 10, day: 4)!, TimeOfDay(hour: 2, minute: 15)!, in: zone("Australia/Lord_Howe"))
        #expect(t == at("2026-10-04T02:45:00+11:00"))
    }

    @Test func testOrdinaryTimesAcrossTheDateLine() {
        let day = CivilDate(year: 2026, month: 11, day: 23)!
        let nine = TimeOfDay(hour: 9, minute: 0)!
        #expect(LocalTime.instant(day, nine, in: zone("Pacific/Kiritimati")) == at("2026-11-22T19:00:00Z"))
        #expect(LocalTime.instant(day, nine, in: zone("Pacific/Pago_Pago")) == at("2026-11-23T20:00:00Z"))
    }

    @Test func testSendWindowOpensNextMorningInTheCustomersZone() {
        let window = SendWindow(parsing: "09:00-20:00")!
        #expect(window.nextOpening(atOrAfter: at("2026-11-23T21:30:00+01:00"), in: budapest) == at("2026-11-24T09:00:00+01:00"))
        #expect(window.nextOpening(atOrAfter: at("2026-11-23T06:00:00+01:00"), in: budapest) == at("2026-11-23T09:00:00+01:00"))
        #expect(window.nextOpening(atOrAfter: at("2026-11-23T12:00:00+01:00"), in: budapest) == at("2026-11-23T12:00:00+01:00"))
        // The end is exclusive.
        #expect(window.nextOpening(atOrAfter: at("2026-11-23T20:00:00+01:00"), in: budapest) == at("2026-11-24T09:00:00+01:00"))
        let night = SendWindow(parsing: "22:00-06:00")!
        #expect(night.nextOpening(atOrAfter: at("2026-11-23T03:00:00+01:00"), in: budapest) == at("2026-11-23T03:00:00+01:00"))
        #expect(night.nextOpening(atOrAfter: at("2026-11-23T12:00:00+01:00"), in: budapest) == at("2026-11-23T22:00:00+01:00"))
        #expect(SendWindow(parsing: "09:00-09:00") == nil)
        #expect(SendWindow(parsing: "9-17") == nil)
    }
}
