/// An address on the do-not-contact list: an e-mail address or a phone number, in the one
/// spelling the list keeps, so that `Anna <ANNA@example.com>` and `anna@example.com`, or
/// `+36 30 123 4567` and `+36301234567`, are the same entry.
public enum ContactAddress: Sendable, Hashable, CustomStringConvertible {
    case email(String)
    case phone(String)

    /// Why text is not an address the list can hold.
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses what an operator or the store writes: `a@example.com`, `<a@example.com>`,
    /// `Name <a@example.com>`, `mailto:a@example.com`, or a phone number with an optional `+` and
    /// spaces, dashes, dots or parentheses. Anything ambiguous (two addresses, control characters,
    /// no `@` and not a phone number) is refused rather than guessed.
    public init(parsing raw: String) throws(ParseError) {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw ParseError(description: "an empty address") }
        guard !text.containsLineBreakOrControl else { throw ParseError(description: "the address contains a line break or control character") }
        if text.contains("@") {
            var address = text
            if let open = address.lastIndex(of: "<") {
                guard address.hasSuffix(">"), address.firstIndex(of: "<") == open else {
                    throw ParseError(description: "\"\(text)\" is not one address (use a@example.com or Name <a@example.com>)")
                }
                address = String(address[address.index(after: open)..<address.index(before: address.endIndex)])
            }
            if address.lowercased().hasPrefix("mailto:") { address = String(address.dropFirst("mailto:".count)) }
            address = address.trimmingCharacters(in: .whitespaces)
            let parts = address.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
                  !address.unicodeScalars.contains(where: { $0.properties.isWhitespace || ",;<>\"()[]\\".unicodeScalars.contains($0) }) else {
                throw ParseError(description: "\"\(text)\" is not an e-mail address such as anna@example.com")
            }
            self = .email(address.lowercased())
            return
        }
        let allowed = Set("0123456789 -.()/")
        let digits = text.filter(\.isASCII).filter(\.isNumber)
        let body = text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        guard body.allSatisfy({ allowed.contains($0) }), (5...15).contains(digits.count) else {
            throw ParseError(description: "\"\(text)\" is neither an e-mail address (a@example.com) nor a phone number (+36 30 123 4567)")
        }
        self = .phone((text.hasPrefix("+") ? "+" : "") + digits)
    }

    /// The spelling the list keeps and compares.
    public var normalized: String {
        switch self {
        case .email(let address), .phone(let address): return address
        }
    }

    public var description: String { normalized }

    /// The list's spelling of a recipient taken from the store; recipients the list could never
    /// hold are compared as they are, lower-cased.
    public static func key(for recipient: String) -> String {
        (try? ContactAddress(parsing: recipient))?.normalized ?? recipient.trimmingCharacters(in: .whitespaces).lowercased()
    }
}
