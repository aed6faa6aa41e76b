import Foundation

/// An amount as `explain` shows it to a person: thousands grouped, no trailing `.0`, and cents
/// only when there are any (`37,485`, `12,000.50`).
///
/// Not the customer's locale: `explain` speaks English to the operator. Up to six decimals
/// are kept so that an amount just under a threshold is never shown equal to it.
public struct ReadableAmount: Sendable, CustomStringConvertible {
    public var value: Double

    public init(_ value: Double) { self.value = value }

    // Format styles cache their ICU formatter; built once.
    private static let whole = FloatingPointFormatStyle<Double>.number.precision(.fractionLength(0)).locale(Locale(identifier: "en_US"))
    private static let fraction = FloatingPointFormatStyle<Double>.number.precision(.fractionLength(2...6)).locale(Locale(identifier: "en_US"))

    public var description: String {
        guard value.isFinite else { return String(value) }
        return value.formatted(value.rounded() == value ? Self.whole : Self.fraction)
    }
}
