import Testing
@testable import OutreachCore

/// The enhanced status code is read from its place in the reply, never found by searching the text.
@Suite struct SMTPReplyTests {
    @Test(arguments: [
        ("550 5.1.1 <a@example.com>: Recipient address rejected", "5.1.1"),
        ("550-5.1.1 The email account that you tried to reach does not exist", "5.1.1"),
        ("451 4.7.1 Greylisted, try again", "4.7.1"),
        ("554 5.7.1 Relay denied (5.1.1 would be wrong here)", "5.7.1"),
        ("550 No such user 5.1.1", nil),
        ("550 5.1 incomplete", nil),
        ("550 9.1.1 not a class", nil),
        ("550 5.1.1234 too long", nil),
        ("", nil),
    ] as [(String, String?)])
    func testEnhancedStatusIsTheWordAfterTheCode(_ line: String, _ status: String?) {
        let code = Int(line.prefix(3)) ?? 0
        #expect(SMTPReply(code: code, text: line).enhancedStatus == status, "\(line)")
    }
}
