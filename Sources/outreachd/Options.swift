import ArgumentParser
import Foundation
import OutreachCore

/// `--config`, shared by every subcommand.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file.", valueName: "PATH"))
    var config: String?

    var path: String { config ?? Configuration.defaultPath() }
}

/// `--format text|jsonl`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, jsonl
}

/// Runs a command body, turning the library's errors into a message on stderr and exit status 1.
///
/// Errors from OutreachCore already name the file, line or row; nothing here adds a stack trace.
func withUserErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as DiagnosticError {
        Console.error(error.description)
        throw ExitCode(1)
    } catch {
        Console.error("\(error)")
        throw ExitCode(1)
    }
}

/// Parses `--at`: ISO 8601 with an offset, or a date meaning that day's start in `zone`.
func parseTime(_ text: String?, option: String, zone: TimeZone, clock: any OutreachCore.Clock = SystemClock()) throws -> Date {
    guard let text else { return clock.now }
    guard let date = Timestamp.parseArgument(text, defaultZone: zone) else {
        throw ValidationError("\(option) \"\(text)\" is not a time: use ISO 8601 with an offset (2026-12-24T10:00:00+01:00) or a date (2026-12-24)")
    }
    return date
}

enum Console {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data(("outreachd: " + text.replacingOccurrences(of: "\n", with: "\noutreachd: ") + "\n").utf8))
    }

    /// A line on stderr as it is (`FILE:LINE: message`).
    static func line(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func warning(_ text: String) {
        FileHandle.standardError.write(Data(("warning: " + text + "\n").utf8))
    }

    static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
}
