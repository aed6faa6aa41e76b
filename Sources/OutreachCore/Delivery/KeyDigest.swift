import Crypto
import Foundation

/// The lowercase hex of the first bytes of a key's SHA-256: of a dedupe key, the stable part of a
/// message's Message-ID, webhook id and Maildir file name, so a repeated attempt carries the same
/// one; of an address, the suppression list's entry for a forgotten customer.
enum KeyDigest {
    private static let digits = Array("0123456789abcdef".utf8)

    /// `bytes` bytes of the digest as `2 × bytes` hex digits. Built by hand, not with `String(format:)`:
    /// it runs once per message sent, and the format path was a visible share of delivery's CPU.
    static func hex(_ key: String, bytes: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes * 2)
        for byte in SHA256.hash(data: Data(key.utf8)).prefix(bytes) {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
