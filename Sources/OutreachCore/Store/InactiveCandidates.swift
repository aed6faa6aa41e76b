/// What makes a customer's last purchase a candidate of an `inactive` rule: the customer is of
/// `tier`, or their lifetime spend is at least `minSpend`.
///
/// A store uses it to leave out, before reading them, the last purchases of customers who cannot
/// qualify (at 1M customers 15k last purchases fall in a tick's range and about 1k qualify). It
/// may return more than qualify, never fewer: the rule still judges each row it gets exactly.
public struct InactiveCandidates: Sendable, Hashable {
    /// `tier`; `nil` when only spend counts.
    public var tier: String?
    /// `min_spend`; `nil` when only the tier counts.
    public var minSpend: Double?

    public init(tier: String?, minSpend: Double?) {
        self.tier = tier
        self.minSpend = minSpend
    }

    /// Whether the store may find the tier's customers by comparing bytes. The rule compares text
    /// by canonical equivalence, under which other bytes can spell the same text: any non-ASCII
    /// tier, and the ASCII `K`, `;` and `` ` `` (KELVIN SIGN, GREEK QUESTION MARK and GREEK VARIA
    /// are the same characters). Such a tier is not narrowed by tier at all.
    var tierComparesAsBytes: Bool {
        guard let tier else { return false }
        return tier.utf8.allSatisfy { $0 < 0x80 } && !tier.contains { "K;`".contains($0) }
    }

    /// The lowest spend the store must keep: a little under `minSpend`, since it may sum the same
    /// amounts in another order or way, and the rule makes the exact comparison.
    var spendFloor: Double? {
        minSpend.map { $0 - max(1, abs($0)) * 1e-9 }
    }
}
