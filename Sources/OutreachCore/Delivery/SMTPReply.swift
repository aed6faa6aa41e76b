/// An SMTP reply: its code and, when the server gives one, its RFC 3463 enhanced status code.
struct SMTPReply: Sendable, Hashable {
    var code: Int
    /// `5.1.1` from `550 5.1.1 <a@example.com>: Recipient address rejected`; `nil` when absent.
    var enhancedStatus: String?

    /// Reads the enhanced status code that follows the reply code, if the line has one.
    init(code: Int, text: String) {
        self.code = code
        var rest = Substring(text)
        if rest.hasPrefix(String(code)) { rest = rest.dropFirst(3) }
        rest = rest.drop { $0 == " " || $0 == "-" }
        let candidate = rest.prefix { !$0.isWhitespace }
        let parts = candidate.split(separator: ".", omittingEmptySubsequences: false)
        let wellFormed = parts.count == 3 && ["2", "4", "5"].contains(parts[0])
            && parts.dropFirst().allSatisfy { (1...3).contains($0.count) && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }
        enhancedStatus = wellFormed ? String(candidate) : nil
    }
}
