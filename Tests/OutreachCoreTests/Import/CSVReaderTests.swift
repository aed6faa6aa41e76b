import Foundation
import OutreachTestSupport
import Synchronization
import Testing
@testable import OutreachCore

/// `import` is given a path: anything but a regular file is refused at once, without a crash
/// (a directory) and without hanging (`/dev/zero`, a FIFO with no writer).
extension CSVImporterTests {
    /// A slot a background thread fills.
    final class Slot: Sendable {
        let value = Mutex<Result<Int, CSVImporter.ImportError>?>(nil)
    }

    /// Imports `path` on a thread of its own, giving up after `seconds`: a reader that hangs fails the test, not the run.
    func boundedImport(_ path: String, seconds: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) -> CSVImporter.ImportError? {
        let slot = Slot()
        let done = DispatchSemaphore(value: 0)
        let store = self.store
        Thread {
            let result = Result { () throws(CSVImporter.ImportError) -> Int in try CSVImporter.run(path, into: .customers, store: store) }
            slot.value.withLock { $0 = result }
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + seconds) == .success else {
            Issue.record("import of \(path) did not finish within \(Int(seconds)) s", sourceLocation: sourceLocation)
            return nil
        }
        switch slot.value.withLock({ $0 }) {
        case .failure(let error)?: return error
        case .success(let rows)?: Issue.record("import of \(path) succeeded with \(rows) rows", sourceLocation: sourceLocation); return nil
        case nil: return nil
        }
    }

    @Test func testADirectoryIsRefusedNamingIt() throws {
        let path = folder.file("exports")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let error = try #require(boundedImport(path))
        #expect(error.file == path)
        #expect(error.line == nil)
        #expect(error.description == "\(path): is a directory, not a CSV file", "\(error)")
    }

    @Test(arguments: ["/dev/null", "/dev/zero", "/dev/urandom"])
    func testADeviceIsRefusedWithoutReadingIt(_ path: String) throws {
        let error = try #require(boundedImport(path))
        #expect(error.description == "\(path): is a device, not a CSV file", "\(error)")
    }

    @Test func testAFIFOIsRefusedWithoutWaitingForAWriter() throws {
        let path = folder.file("pipe.csv")
        #expect(mkfifo(path, 0o600) == 0)
        let error = try #require(boundedImport(path))
        #expect(error.description == "\(path): is not a regular file", "\(error)")
    }

    @Test func testASymlinkToARegularFileIsRead() throws {
        let target = folder.write("real.csv", "id,name\nN1,Anna\n")
        let link = folder.file("link.csv")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(try CSVImporter.run(link, into: .customers, store: store) == 1)
    }

    @Test func testAMissingFileAndADanglingSymlinkSayNoSuchFile() throws {
        let link = folder.file("dangling.csv")
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: folder.file("gone.csv"))
        for path in [folder.file("nope.csv"), link] {
            let error = try #require(boundedImport(path))
            #expect(error.description == "\(path): no such file", "\(error)")
        }
    }
}
