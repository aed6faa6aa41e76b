import Foundation

extension StringProtocol {
    /// `trimmingCharacters(in: .whitespaces)`, without Foundation's round trip through `NSString`
    /// and `CharacterSet` (more than rendering a message costs) when there is nothing to trim,
    /// which is almost always.
    func trimmingWhitespace() -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return "" }
        if !first.isInWhitespaces, !last.isInWhitespaces { return String(self) }
        return trimmingCharacters(in: .whitespaces)
    }

    /// `trimmingCharacters(in: .whitespacesAndNewlines)`, skipping Foundation when both ends are
    /// ASCII that the set does not hold (non-ASCII ends are left to Foundation).
    func trimmingWhitespaceAndNewlines() -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return "" }
        if first.isPlainASCII, last.isPlainASCII { return String(self) }
        return trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension Unicode.Scalar {
    /// Whether `CharacterSet.whitespaces` holds the scalar: a tab, a space separator (general
    /// category Zs), or U+200B ZERO WIDTH SPACE (Zs in old Unicode, and still in Foundation's set).
    /// Listed rather than looked up: a general-category lookup cost an eighth of rendering a Thai
    /// letter. ScalarSetTests compares every scalar with Foundation's set.
    var isInWhitespaces: Bool {
        switch value {
        case 0x09, 0x20, 0xA0, 0x1680, 0x2000...0x200B, 0x202F, 0x205F, 0x3000: return true
        default: return false
        }
    }
}

private extension Unicode.Scalar {
    /// ASCII outside `CharacterSet.whitespacesAndNewlines` (tab to carriage return, and space).
    var isPlainASCII: Bool { isASCII && !(0x09...0x0D).contains(value) && value != 0x20 }
}
