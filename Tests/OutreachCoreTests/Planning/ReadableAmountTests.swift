import Testing
@testable import OutreachCore

/// Amounts in `explain` as a person writes them.
@Suite struct ReadableAmountTests {
    @Test(arguments: [
        (37_485.0, "37,485"), (12_000.5, "12,000.50"), (15_000, "15,000"), (100_000, "100,000"), (0, "0"), (49.99, "49.99"),
        (999.5, "999.50"), (1_234_567.25, "1,234,567.25"), (-1_234.5, "-1,234.50"), (0.125, "0.125"), (14_999.999, "14,999.999"),
        (0.1 + 0.2, "0.30"), (1e15, "1,000,000,000,000,000"),
    ])
    func testAmountsAreGroupedWithoutATrailingPointZero(_ value: Double, _ text: String) {
        #expect(ReadableAmount(value).description == text)
    }

    @Test func testJustBelowAThresholdIsNeverShownEqualToIt() {
        #expect(ReadableAmount(14_999.9999).description != ReadableAmount(15_000).description)
    }
}
