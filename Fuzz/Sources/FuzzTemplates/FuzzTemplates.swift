import FuzzSupport
import Foundation
import OutreachCore

/// The folder the input is written to, once per process: `TemplateSet.load` reads a folder, and
/// loading through it covers the file checks (size, UTF-8), the parse and the partials' linking.
private let folder: String = {
    let path = NSTemporaryDirectory() + "/outreachd-fuzz-templates-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

/// The template loader over any file: it never traps, and every error names the file and a line
/// the file has. The file is `fuzz.txt`, so `{{> fuzz}}` includes itself.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTemplates(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = bytes(data, size)
    let path = folder + "/fuzz.txt"
    guard FileManager.default.createFile(atPath: path, contents: Data(input)) else { fatalError("cannot write \(path)") }
    let (set, diagnostics) = TemplateSet.load(folder: folder)
    let lines = lineCount(input)
    for diagnostic in diagnostics {
        require(diagnostic.file.hasSuffix("/fuzz.txt"), "a diagnostic names \(diagnostic.file), not the file read")
        if let line = diagnostic.line {
            require((1...lines).contains(line), "diagnostic at line \(line) of a \(lines)-line file: \(diagnostic)")
        }
    }
    // A file is either loaded or refused with a reason, never dropped in silence.
    require((set.template("fuzz", locale: nil) != nil) != !diagnostics.isEmpty,
            "loaded: \(set.template("fuzz", locale: nil) != nil), diagnostics: \(diagnostics)")
    return 0
}
