import FuzzSupport
import Foundation
import OutreachCore

/// Where the input and its re-serialization are written: `CSVReader` reads a file by path.
private let scratch = NSTemporaryDirectory() + "/outreachd-fuzz-\(getpid())"

/// Every record of the file at `path`, or the format error that stopped the read.
private func readAll(_ path: String) -> Result<[CSVReader.Record], CSVReader.FormatError> {
    do throws(CSVReader.FormatError) {
        var reader = try CSVReader(path: path)
        var records: [CSVReader.Record] = []
        while let record = try reader.read() { records.append(record) }
        return .success(records)
    } catch {
        return .failure(error)
    }
}

/// `fields` as one RFC 4180 line, every field quoted (so commas, quotes, CR and LF survive).
private func line(_ fields: [String]) -> String {
    fields.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",") + "\n"
}

/// The CSV reader over any bytes: it never traps; records start on increasing lines the file has
/// and an error names one; and what it read, written back as CSV, reads back the same, record by
/// record and field by field.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = bytes(data, size)
    let path = scratch + ".csv"
    guard FileManager.default.createFile(atPath: path, contents: Data(input)) else { fatalError("cannot write \(path)") }
    let lines = lineCount(input)
    switch readAll(path) {
    case .failure(let error):
        require((1...lines).contains(error.line), "error at line \(error.line) of a \(lines)-line file: \(error.message)")
    case .success(let records):
        var previous = 0
        for record in records {
            require(record.line > previous && record.line <= lines, "a record at line \(record.line) after one at \(previous), in \(lines) lines")
            require(!record.fields.isEmpty, "a record without fields at line \(record.line)")
            previous = record.line
        }
        let copy = scratch + "-copy.csv"
        guard FileManager.default.createFile(atPath: copy, contents: Data(records.map { line($0.fields) }.joined().utf8)) else { fatalError("cannot write \(copy)") }
        switch readAll(copy) {
        case .failure(let error):
            fatalError("property violated: the re-written file does not read: line \(error.line): \(error.message)")
        case .success(let again):
            require(again.count == records.count, "\(records.count) records read, \(again.count) after writing them back")
            for (a, b) in zip(records, again) {
                require(a.fields.count == b.fields.count, "record at line \(a.line): \(a.fields.count) fields, \(b.fields.count) after writing it back")
                require(a.fields == b.fields, "record at line \(a.line) reads differently after writing it back")
            }
        }
    }
    return 0
}
