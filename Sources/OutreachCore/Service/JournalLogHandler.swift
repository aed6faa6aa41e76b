import Foundation
import Logging

/// One line per event on stderr; under journald (`$JOURNAL_STREAM` set) each line starts with its
/// syslog priority (`<3>` for error…) so the journal files it by level.
///
/// Metadata is printed as `key=value`; message bodies and secrets are never given to the logger
/// above `debug` by outreachd.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let prefixPriority: Bool

    public init(label: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.label = label
        self.prefixPriority = !(environment["JOURNAL_STREAM"] ?? "").isEmpty
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// The syslog priority journald files a level under.
    public static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quoted("\($0.value)"))" }.joined(separator: " ")
        var line = prefixPriority ? "<\(Self.priority(event.level))>" : Timestamp.format(Date(), in: Self.utc) + " "
        line += "\(event.level) \(event.message)"
        if !fields.isEmpty { line += " " + fields }
        // One event, one line: a value with a line break must not split it (or forge another entry).
        // Looked for first: the daemon logs a line per message sent, and almost none has a break.
        if line.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }) {
            line = line.replacingOccurrences(of: "\n", with: "\\n").replacingOccurrences(of: "\r", with: "\\r")
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    private static let utc = TimeZone(identifier: "UTC")!

    /// Looked for on UTF-8 bytes (the three are ASCII, so no grapheme walk): most values have none.
    private static func quoted(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "=") }) else { return value }
        guard value.utf8.contains(UInt8(ascii: "\"")) else { return "\"" + value + "\"" }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
