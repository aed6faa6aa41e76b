/// An e-mail address with an optional display name: `Example Care <care@example.com>`.
public struct Mailbox: Sendable, Hashable {
    public var name: String?
    public var address: String

    public init(name: String?, address: String) {
        self.name = name
        self.address = address
    }

    /// Parses `Name <addr>` or a bare `addr`.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let open = trimmed.lastIndex(of: "<"), trimmed.hasSuffix(">") {
            var name = trimmed[..<open].trimmingCharacters(in: .whitespaces)
            if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
            self.init(name: name.isEmpty ? nil : name, address: String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)]))
        } else {
            self.init(name: nil, address: trimmed)
        }
        guard Self.isValidAddress(address) else { return nil }
    }

    /// One `@`, a non-empty local part and domain, no white space or control characters.
    static func isValidAddress(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return false }
        // Visible ASCII holds no white space or control character: answered on bytes, since every
        // message sent checks its two addresses (~1% of run --once's CPU sending e-mail).
        if address.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) {
            return !address.utf8.contains { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") }
        }
        return !address.containsLineBreakOrControl && !address.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "<" || $0 == ">" }
    }

    /// The domain part, for Message-IDs.
    public var domain: String { String(address.split(separator: "@").last ?? "localhost") }
}

import Foundation
