import Foundation
import GRDB

/// SQLite's failures, said in words an operator can act on.
///
/// SQLite reports "attempt to write a readonly database" or "disk I/O error" together with the
/// statement it was running; neither tells the operator what to change. Each result code here is
/// turned into what is wrong with which file and what to do, without the SQL.
enum DatabaseProblem {
    /// What a database is to outreachd, for the wording.
    enum Role: Sendable {
        case store, ledger

        var name: String {
            switch self {
            case .store: return "the customer store"
            case .ledger: return "the state database (ledger)"
            }
        }
    }

    /// What is wrong with the database at `path` and what to do, in one sentence (without the path, which the caller shows first).
    static func describe(_ error: Error, path: String, role: Role) -> String {
        guard let error = error as? DatabaseError else { return "\(error)" }
        let folder = Paths.folder(of: path)
        let user = ProcessInfo.processInfo.userName
        switch error.resultCode {
        case .SQLITE_READONLY:
            return "cannot write \(role.name): the file or its folder \(folder) is read-only for user \(user) "
                + "(outreachd writes the file and creates \(URL(fileURLWithPath: path).lastPathComponent)-wal and -shm beside it); fix the ownership or permissions, or the mount"
        case .SQLITE_CANTOPEN:
            return "cannot open \(role.name): the file or its folder \(folder) does not exist or user \(user) may not enter it"
        case .SQLITE_PERM, .SQLITE_AUTH:
            return "user \(user) is not allowed to open \(role.name); fix its ownership or permissions"
        case .SQLITE_FULL:
            return "the disk holding \(role.name) is full; free some space (nothing was recorded by the failed write)"
        case .SQLITE_IOERR:
            return "\(role.name) could not be read or written (disk I/O error): the disk may be full or failing, "
                + "the folder \(folder) may not be writable by user \(user), or the file was removed or replaced while in use"
        case .SQLITE_NOTADB:
            return "this file is not a SQLite database; was another file put in place of \(role.name)?"
        case .SQLITE_CORRUPT:
            return "\(role.name) is damaged; restore it from a backup"
        case .SQLITE_BUSY, .SQLITE_LOCKED:
            return "\(role.name) stayed locked by another process for more than 5 seconds; try again, or find what holds it (fuser \(path))"
        default:
            return "\(role.name): SQLite error \(error.resultCode.rawValue): \(error.message ?? "unknown")"
        }
    }
}
