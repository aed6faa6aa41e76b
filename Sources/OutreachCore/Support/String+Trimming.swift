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
}

extension Unicode.Scalar {
    /// Whether `CharacterSet.whitespaces` holds the scalar: a tab, a space separator (general
    /// category Zs), or U+200B ZERO WIDTH SPACE (Zs in old Unicode, and still in Foundation's set);
    /// decided without a general-category lookup for ASCII. ScalarSetTests compares every scalar.
    var isInWhitespaces: Bool {
        if isASCII { return self == " " || self == "\t" }
        return properties.generalCategory == .spaceSeparator || self == "\u{200B}"
    }
}
