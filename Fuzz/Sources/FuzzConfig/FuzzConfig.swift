import FuzzSupport
import OutreachCore

/// The configuration loader over any text: it never traps, and every diagnostic names this file
/// and a line the text has (or none, for the file as a whole).
///
/// The file sits in a folder that does not exist, so relative paths the text names (templates,
/// databases, secret files) resolve to nothing on this machine.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = text(data, size)
    let file = "/nonexistent-outreachd-fuzz/outreachd.toml"
    let (configuration, diagnostics) = ConfigurationLoader.parse(input, file: file)
    let lines = lineCount(input.utf8)
    for diagnostic in diagnostics {
        require(diagnostic.file == file, "a diagnostic names \(diagnostic.file), not the file read")
        if let line = diagnostic.line {
            require((1...lines).contains(line), "diagnostic at line \(line) of a \(lines)-line text: \(diagnostic)")
        }
        require(!diagnostic.message.isEmpty, "a diagnostic without a message at line \(diagnostic.line ?? 0)")
    }
    require(configuration != nil || diagnostics.contains(where: \.isError), "no configuration and no error to say why")
    return 0
}
