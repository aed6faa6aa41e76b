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
    }

    func run() throws {
        try withUserErrors {
            let configuration = try ConfigurationLoader.load(file: options.path)
            guard configuration.state.kind == .sqlite else { throw ValidationError("PostgreSQL state databases are not supported yet") }
            let ledger = try SQLiteLedger(path: configuration.state.location, create: true)
            let address = (address ?? "").trimmingCharacters(in: .whitespaces)
            switch action {
            case .add:
                print(try ledger.suppress(address, reason: reason, now: Date()) ? "added \(address)" : "\(address) was already suppressed")
            case .remove:
                print(try ledger.unsuppress(address) ? "removed \(address)" : "\(address) was not suppressed")
            case .list:
                for s in try ledger.suppressions() {
                    print("\(s.address)\t\(Timestamp.format(s.since, in: TimeZone(identifier: "UTC")!))\t\(s.reason)")
                }
            }
        }
    }
}
