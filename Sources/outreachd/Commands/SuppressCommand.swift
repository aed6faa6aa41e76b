import ArgumentParser
import Foundation
import OutreachCore

struct SuppressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suppress",
        abstract: "The do-not-contact list: add, remove or list addresses (e-mail or phone), honoured before every attempt."
    )

    enum Action: String, ExpressibleByArgument, CaseIterable { case add, remove, list }

    @OptionGroup var options: ConfigOption
    @Argument(help: "add, remove or list.")
    var action: Action
    @Argument(help: "The address (for add and remove).")
    var address: String?
    @Option(help: "Why (for add).")
    var reason = "added by the operator"

    func validate() throws {
        if action != .list, (address ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("suppress \(action.rawValue) needs an ADDRESS")
        }
        if action == .list, address != nil { throw ValidationError("suppress list takes no ADDRESS") }
    }

    func run() throws {
        try withUserErrors {
            let configuration = try ConfigurationLoader.load(file: options.path)
            // The list lives in the ledger, which only `init` creates.
            let ledger = try configuration.openLedger(action == .list ? .read : .write)
            switch action {
            case .add, .remove:
                let parsed: ContactAddress
                do { parsed = try ContactAddress(parsing: address ?? "") } catch {
                    throw ValidationError("suppress \(action.rawValue): \(error)")
                }
                let entry = parsed.normalized
                if action == .add {
                    print(try ledger.suppress(entry, reason: reason, now: Date()) ? "added \(entry)" : "\(entry) was already suppressed")
                } else {
                    print(try ledger.unsuppress(entry) ? "removed \(entry)" : "\(entry) was not suppressed")
                }
            case .list:
                let utc = TimeZone(identifier: "UTC")!
                for s in try ledger.suppressions() {
                    print("\(Self.printable(s.address))\t\(Timestamp.format(s.since, in: utc))\t\(Self.printable(s.reason))")
                }
            }
        }
    }

    /// One tab-separated field: control characters (a tab, a line break) shown escaped, never breaking the line.
    static func printable(_ text: String) -> String {
        String(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined())
    }
}
