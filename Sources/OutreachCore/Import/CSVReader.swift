import Foundation

/// A streaming RFC 4180 reader that knows the line each record starts on.
///
/// Hand-written because an import error must name the file's line, which the CSV packages at
/// hand do not report once quoted fields span lines, and because a store-sized file is read in
/// chunks rather than whole.
public struct CSVReader: ~Copyable {
    public struct Record: Sendable {
        public var fields: [String]
        /// The 1-based line of the file the record starts on.
        public var line: Int
    }

    /// A malformed file, at a line.
    public struct FormatError: Error, Sendable {
        public var line: Int
        public var message: String
    }

    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    private var line = 1
    /// Bytes consumed so far, for progress.
    public private(set) var bytesRead = 0
    /// The file's size when opened, for progress.
    public let size: Int

    /// Opens `path`, which must be a regular file.
    ///
    /// Checked on the open descriptor, not the name, so nothing can be swapped in between: a
    /// directory would crash Foundation's read, `/dev/zero` would never end, and a FIFO would
    /// block the open itself, hence `O_NONBLOCK`.
    public init(path: String) throws(FormatError) {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = errno == ENOENT ? "no such file" : errno == EACCES ? "cannot open the file (permission denied)" : "cannot open the file (\(String(cString: strerror(errno))))"
            throw FormatError(line: 0, message: reason)
        }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            let kind = info.st_mode & S_IFMT
            close(fd)
            throw FormatError(line: 0, message: kind == S_IFDIR ? "is a directory, not a CSV file"
                : kind == S_IFCHR || kind == S_IFBLK ? "is a device, not a CSV file" : "is not a regular file")
        }
        self.size = Int(info.st_size)
        self.handle = FileHandle(fileDescriptor: fd, closeOnDealloc: false)
    }

    deinit { try? handle.close() }

    private mutating func next() throws(FormatError) -> UInt8? {
        while position == buffer.count {
            guard !atEnd else { return nil }
            let first = bytesRead == 0
            do { buffer = Array(try handle.read(upToCount: 1 << 20) ?? Data()) } catch {
                throw FormatError(line: line, message: "cannot read the file: \(error.localizedDescription)")
            }
            position = 0
            if buffer.isEmpty { atEnd = true; return nil }
            // A UTF-8 byte order mark (spreadsheet exports) is not part of the first field.
            if first, buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3; bytesRead = 3 }
        }
        defer { position += 1; bytesRead += 1 }
        return buffer[position]
    }

    private mutating func peek() throws(FormatError) -> UInt8? {
        guard let b = try next() else { return nil }
        position -= 1
        bytesRead -= 1
        return b
    }

    /// The next record, `nil` at the end of the file. Blank lines are skipped.
    public mutating func read() throws(FormatError) -> Record? {
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var startLine = line
        var sawAny = false
        var closedQuote = false
        while let b = try next() {
            if quoted {
                if b == UInt8(ascii: "\"") {
                    if try peek() == UInt8(ascii: "\"") { _ = try next(); field.append(b) } else { quoted = false; closedQuote = true }
                } else {
                    if b == UInt8(ascii: "\n") { line += 1 }
                    field.append(b)
                }
                continue
            }
            if closedQuote, b != UInt8(ascii: ","), b != UInt8(ascii: "\n"), b != UInt8(ascii: "\r") {
                throw FormatError(line: line, message: "text after the closing quote of a field")
            }
            closedQuote = false
            switch b {
            case UInt8(ascii: "\""):
                guard field.isEmpty else { throw FormatError(line: line, message: "a quote inside an unquoted field (quote the whole field and double the quote)") }
                quoted = true
                sawAny = true
            case UInt8(ascii: ","):
                fields.append(try decode(field))
                field = []
                sawAny = true
            case UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "\n"):
                if !sawAny && field.isEmpty { line += 1; startLine = line; continue }
                fields.append(try decode(field))
                line += 1
                return Record(fields: fields, line: startLine)
            default:
                field.append(b)
                sawAny = true
            }
        }
        if quoted { throw FormatError(line: startLine, message: "a quoted field is never closed") }
        guard sawAny || !field.isEmpty else { return nil }
        fields.append(try decode(field))
        return Record(fields: fields, line: startLine)
    }

    private func decode(_ bytes: [UInt8]) throws(FormatError) -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw FormatError(line: line, message: "the text is not valid UTF-8") }
        return s
    }
}
