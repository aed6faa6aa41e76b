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
        if isAlreadyNormalized(recipient) { return recipient }
        return (try? ContactAddress(parsing: recipient))?.normalized ?? recipient.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The prefix of the spelling ``digest(for:)`` writes.
    static let digestPrefix = "sha256:"

    /// How `forget` puts an address on the list: `sha256:` and the hex SHA-256 of its
    /// ``key(for:)`` spelling. The list refuses the address as before, but the ledger no longer
    /// holds it: after an erasure no byte of the customer's address is left in the file.
    public static func digest(for recipient: String) -> String {
        digestPrefix + KeyDigest.hex(key(for: recipient), bytes: 32)
    }

    /// The distinct list spellings of `recipients`, sorted; blanks left out.
    static func keys(of recipients: [String]) -> [String] {
        Set(recipients.map(key(for:))).filter { !$0.isEmpty }.sorted()
    }

    /// Each spelling the list may hold `recipients` in (the key, and its digest when `digests`),
    /// with the key it stands for.
    static func listSpellings(of recipients: [String], digests: Bool) -> [String: String] {
        var spellings: [String: String] = [:]
        for key in Set(recipients.map(key(for:))) {
            spellings[key] = key
            if digests { spellings[digest(for: key)] = key }
        }
        return spellings
    }

    /// True for the spellings the parser would return unchanged: `+` and 5 to 15 digits, or a
    /// lower-case ASCII `local@domain.tld`. Checked on bytes first because delivery asks for the
    /// key of every row it claims, and the full parse (trimming, lower-casing, character sets)
    /// was ~4% of `run --once`'s CPU posting 20,000 webhooks; anything else takes the full parse.
    static func isAlreadyNormalized(_ text: String) -> Bool {
        let bytes = text.utf8
        guard let first = bytes.first else { return false }
        let isDigit = { (b: UInt8) in b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        if first == UInt8(ascii: "+") || isDigit(first) {
            let digits = bytes.dropFirst(first == UInt8(ascii: "+") ? 1 : 0)
            if digits.allSatisfy(isDigit) { return (5...15).contains(digits.count) }
        }
        var at: Int?
        var count = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "%"), UInt8(ascii: "+"), UInt8(ascii: "-"):
                break
            case UInt8(ascii: "@"):
                guard at == nil else { return false }
                at = count
            default:
                return false
            }
            count += 1
        }
        guard let at, at > 0 else { return false }
        let domain = bytes.dropFirst(at + 1)
        return domain.contains(UInt8(ascii: ".")) && domain.first != UInt8(ascii: ".") && domain.last != UInt8(ascii: ".")
    }
}
