/// `opted_out` as the tools that write stores spell it.
///
/// Consent fails safe: a value in no known spelling is unknown consent, and the caller refuses
/// the customer rather than reading it as "not opted out".
enum Consent {
    static let yes: Set<String> = ["1", "true", "t", "yes", "y", "on"]
    static let no: Set<String> = ["0", "false", "f", "no", "n", "off"]
    /// The spellings, for messages.
    static let spellings = "1/0, true/false, t/f, yes/no, y/n, on/off"

    /// `true` opted out, `false` not, `nil` unknown. Case-insensitive and trimmed; any other
    /// number is opted out when it is not zero.
    static func optedOut(text: String) -> Bool? {
        let word = text.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        if yes.contains(word) { return true }
        if no.contains(word) { return false }
        guard let number = Double(word), !number.isNaN else { return nil }
        return number != 0
    }

    /// The same for a stored value: NULL and blobs are unknown.
    static func optedOut(_ value: StoredValue) -> Bool? {
        switch value {
        case .integer(let i): return i != 0
        case .real(let d): return d.isNaN ? nil : d != 0
        case .text(let s): return optedOut(text: s)
        case .null, .blob: return nil
        }
    }
}

import Foundation
