/// Finds the line a TOML key or table was written on.
///
/// TOMLKit reports the position of syntax errors but not where a parsed key came from, and an
/// unknown or invalid key must be reported with its line. The TOML grammar for headers and
/// `key = value` lines is simple enough to follow line by line.
struct TOMLKeyLocator {
    private var lines: [String: Int] = [:]

    init(text: String) {
        var current = ""
        var arrayCounts: [String: Int] = [:]
        var multiline: String?
        // "\r\n" is one Character in Swift: split on unicode scalars so CRLF files keep their lines.
        for (index, raw) in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map({ String(String.UnicodeScalarView($0)) }).enumerated() {
            let lineNumber = index + 1
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if let delimiter = multiline {
                if line.components(separatedBy: delimiter).count % 2 == 0 { multiline = nil }
                continue
            }
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[[") {
                let name = Self.keyPath(line.dropFirst(2).prefix { $0 != "]" })
                let n = arrayCounts[name, default: -1] + 1
                arrayCounts[name] = n
                current = "\(name)[\(n)]"
                lines[current] = lines[current] ?? lineNumber
                continue
            }
            if line.hasPrefix("[") {
                current = Self.keyPath(line.dropFirst().prefix { $0 != "]" })
                lines[current] = lines[current] ?? lineNumber
                continue
            }
            guard let eq = Self.equalsIndex(line) else { continue }
            let key = Self.keyPath(line[..<eq])
            let path = current.isEmpty ? key : "\(current).\(key)"
            lines[path] = lines[path] ?? lineNumber
            let value = line[line.index(after: eq)...]
            for delimiter in ["\"\"\"", "'''"] where value.components(separatedBy: delimiter).count == 2 {
                multiline = delimiter
            }
        }
    }

    /// The line of `path` (`schedule.interval`, `rules[2].after`), else of its closest enclosing table.
    func line(_ path: String) -> Int? {
        var p = path
        while true {
            if let l = lines[p] { return l }
            guard let dot = p.lastIndex(of: ".") else { return nil }
            p = String(p[..<dot])
        }
    }

    /// The key (or table) written on `line`, if any: TOML syntax errors name a line, and the key there says what it was for.
    func path(onLine line: Int) -> String? {
        lines.filter { $0.value == line }.keys.max { $0.count < $1.count }
    }

    private static func equalsIndex(_ line: String) -> String.Index? {
        var quote: Character?
        for i in line.indices {
            let c = line[i]
            if let q = quote { if c == q { quote = nil }; continue }
            if c == "\"" || c == "'" { quote = c } else if c == "=" { return i }
        }
        return nil
    }

    private static func keyPath<S: StringProtocol>(_ raw: S) -> String {
        raw.split(separator: ".").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }.joined(separator: ".")
    }
}

import Foundation
