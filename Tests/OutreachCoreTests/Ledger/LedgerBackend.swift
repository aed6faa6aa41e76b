import Foundation
import OutreachTestSupport
import Testing
@testable import OutreachCore

/// The two ledger backends, for tests whose body runs against both: a SQLite file in a temporary
/// folder, or a PostgreSQL database of its own on the shared test server.
enum LedgerBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }

    /// Where one test's ledger lives; several ledgers opened on one place are several instances.
    struct Place: Sendable {
        var backend: LedgerBackend
        var sqlitePath: String?
        var postgresURL: String?

        /// A ledger on this place, as `init` (`.create`) or `run` (`.deliver`) opens it.
        func open(_ access: LedgerAccess = .create, lease: TimeSpan = TimeSpan(seconds: 60)) throws -> any Ledger {
            switch backend {
            case .sqlite:
                return try SQLiteLedger(path: sqlitePath ?? "", access: access)
            case .postgres:
                let url = try PostgresURL.parse(postgresURL ?? "").get()
                return try PostgresLedger(PostgresSettings(url: url, password: nil), access: access, lease: lease)
            }
        }
    }

    /// A fresh place: a file in `folder`, or a new database.
    func place(in folder: TemporaryFolder) throws -> Place {
        switch self {
        case .sqlite:
            return Place(backend: self, sqlitePath: folder.file("state.db"))
        case .postgres:
            let server = try PostgresServer.shared.get()
            let name = "l_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
            try server.psql("CREATE DATABASE \(name)")
            return Place(backend: self, postgresURL: "postgres://postgres@127.0.0.1:\(server.port)/\(name)")
        }
    }
}
