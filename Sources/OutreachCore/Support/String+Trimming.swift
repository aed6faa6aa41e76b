import Foundation

extension StringProtocol {
    /// `trimmingCharacters(in: .whitespaces)`, without Foundation's round trip through `NSString`
    /// (thousands of instructions) when there is nothing to trim, which is almost always.
    func trimmingWhitespace() -> String {
        trimming(.whitespaces)
    }

    /// `trimmingCharacters(in: .whitespacesAndNewlines)`, as cheaply when there is nothing to trim.
    func trimmingWhitespaceAndNewlines() -> String {
        trimming(.whitespacesAndNewlines)
    }

    private func trimming(_ set: CharacterSet) -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return "" }
        if !set.contains(first), !set.contains(last) { return String(self) }
        return trimmingCharacters(in: set)
    }
}
