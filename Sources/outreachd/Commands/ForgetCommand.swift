import ArgumentParser
import Foundation
import OutreachCore

struct ForgetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erases one customer's personal data from the ledger now and suppresses their addresses (right to erasure).",
        discussion: "Keeps each row's key, rule, state and times, so nothing is sent twice; messages still waiting fail as suppressed. "
            + "The customer store is the business's own and is not changed."
    )

    @OptionGroup var options: ConfigOption
    @Option(help: ArgumentHelp("The customer.", valueName: "ID"))
    var customer: String

    func validate() throws {
        if customer.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("forget needs a non-empty --customer ID") }
    }

    func run() throws {
        try withUserErrors {
            let configuration = try ConfigurationLoader.load(file: options.path)
            let erasure = CustomerErasure(store: try configuration.openStore(), ledger: try configuration.openLedger(.write))
            let report = try erasure.forget(customerID: customer, storeName: "\(configuration.store)", now: Date())
            // Counts only: what was erased is not repeated on a terminal or in a log.
            print("customer \(customer): erased \(report.erased) row\(report.erased == 1 ? "" : "s") of the ledger"
                  + (report.withdrawn > 0 ? " (\(report.withdrawn) still waiting, now failed as suppressed)" : "")
                  + ", \(report.suppressed.count) address\(report.suppressed.count == 1 ? "" : "es") on the do-not-contact list")
        }
    }
}
