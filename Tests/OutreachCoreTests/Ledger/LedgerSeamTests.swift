import Foundation
import Testing

/// The ledger is one seam: outside `Ledger/`, code holds `any Ledger` and never names a backend,
/// so a second backend is an addition, not a fork.
@Suite struct LedgerSeamTests {
    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources").path

    @Test func testNoSourceOutsideLedgerNamesALedgerBackend() throws {
        let files = try #require(FileManager.default.enumerator(atPath: Self.sources)).compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }
        #expect(files.count > 50, "found the sources at \(Self.sources)")
        for file in files where !file.hasPrefix("OutreachCore/Ledger/") {
            let text = try String(contentsOfFile: Self.sources + "/" + file, encoding: .utf8)
            for backend in ["SQLiteLedger", "PostgresLedger", "InstanceLock"] {
                #expect(!text.contains(backend), "\(file) names \(backend)")
            }
        }
    }
}
