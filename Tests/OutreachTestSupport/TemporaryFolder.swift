import Foundation

/// A temporary folder per test, removed when the value is released.
public final class TemporaryFolder: @unchecked Sendable {  // immutable after init
    public let path: String

    public init() {
        let template = NSTemporaryDirectory() + "outreachd-test-XXXXXX"
        var bytes = Array(template.utf8CString)
        guard mkdtemp(&bytes) != nil else { fatalError("mkdtemp failed") }
        path = String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    public func file(_ name: String) -> String { path + "/" + name }

    @discardableResult
    public func write(_ name: String, _ text: String) -> String {
        let p = file(name)
        try? FileManager.default.createDirectory(atPath: URL(fileURLWithPath: p).deletingLastPathComponent().path, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: p, contents: Data(text.utf8))
        return p
    }

    /// Every file under the folder with its bytes, to prove a command wrote nothing.
    public func snapshot() -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: path) else { return files }
        while let relative = walker.nextObject() as? String {
            let full = file(relative)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory) else { continue }
            files[relative + (isDirectory.boolValue ? "/" : "")] = isDirectory.boolValue ? Data() : FileManager.default.contents(atPath: full) ?? Data()
        }
        return files
    }
}
