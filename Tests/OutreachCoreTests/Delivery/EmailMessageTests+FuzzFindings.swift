import Foundation
import Testing
@testable import OutreachCore

/// What `make fuzz` (FuzzHeaders) found the header builder writing, each with the input that showed it.
extension EmailMessageTests {
    /// Each RFC 2047 word of a header value, decoded on its own: every one must be whole UTF-8.
    func decodedWords(_ value: String) throws -> [String] {
        try value.split(separator: " ").map { word in
            #expect(word.hasPrefix("=?utf-8?B?") && word.hasSuffix("?=") && word.count <= 75, "\(word)")
            let data = try #require(Data(base64Encoded: String(word.dropFirst(10).dropLast(2))))
            return try #require(String(data: data, encoding: .utf8), "\(word) splits a UTF-8 character")
        }
    }

    /// The key carries IDs from the store; a Thai customer ID (here with the U+FFFD the fuzzer's
    /// invalid bytes became) was written into `X-Outreach-Key` as raw UTF-8, which an SMTP server
    /// without SMTPUTF8 may refuse or mangle. It now goes as encoded words, like a subject.
    @Test func testNonASCIIKeyGoesAsEncodedWords() throws {
        let key = "birthday:ส\u{FFFD}มชาย\u{FFFD}:2026"
        let text = try message(key: key).rendered()
        try expectLineLimits(text, "Thai key")
        let value = try #require(try header(text, "X-Outreach-Key").first)
        #expect(try decodedWords(value).joined() == key)
    }

    /// An ASCII key too long for one line (an ID of 1,500 characters) is folded as encoded words
    /// instead of making a line over 998 octets.
    @Test func testOverlongKeyIsFoldedWithinTheLimits() throws {
        let key = "post_purchase:" + String(repeating: "P0123456789", count: 140)
        let text = try message(key: key).rendered()
        // "X-Outreach-Key: " leaves 62 characters of the first line, less than one 68-character
        // word: that line may pass RFC 5322's recommended 78, never its limit of 998.
        for line in try split(text).headers {
            #expect(line.utf8.count <= (line.hasPrefix("X-Outreach-Key:") ? 998 : 78), "\(line)")
            #expect(line.utf8.allSatisfy { $0 < 0x80 }, "\(line)")
        }
        #expect(try header(text, "X-Outreach-Key").count == 1)
        #expect(try decodedWords(try #require(try header(text, "X-Outreach-Key").first)).joined() == key)
        // Short ASCII keys, the usual ones, stay as they are.
        #expect(try header(try message(key: "birthday:C002:2026").rendered(), "X-Outreach-Key") == ["birthday:C002:2026"])
    }

    /// One grapheme longer than a word (a letter under hundreds of combining marks) made one
    /// encoded word of over 1,300 characters: past RFC 2047's 75 and RFC 5322's 998. It is now
    /// split between scalars, never inside one.
    @Test func testAGraphemeLongerThanAWordIsSplitBetweenItsScalars() throws {
        let zalgo = "Z" + String(repeating: "\u{301}\u{30B}", count: 300) + "oë"
        let words = MIMEEncoding.encodedWords(zalgo)
        #expect(words.count > 1)
        #expect(try words.map { try decodedWords($0).joined() }.joined() == zalgo)
        let text = try message(to: zalgo, subject: zalgo).rendered()
        try expectLineLimits(text, "zalgo")
        #expect(try decodedWords(try #require(try header(text, "Subject").first)).joined() == zalgo)
    }

    /// An address is never split, so one of a thousand characters would make a `To:` line over
    /// 998 octets: the message is refused with a thrown error that says so.
    @Test func testAddressTooLongForALineIsRefused() throws {
        let address = String(repeating: "a", count: 1_000) + "@example.com"
        #expect(throws: MessageError.self) { try message(address: address).rendered() }
        do {
            _ = try message(address: address).rendered()
        } catch {
            #expect(error.description.contains("the To header would have a line of 1015 octets, over the 998 RFC 5322 allows"), "\(error)")
        }
    }
}
