import Foundation
import GRDB

/// A token for the data in a database as one connection sees it: two equal tokens from the same
/// open store (or ledger) mean that nobody else changed the data in between.
///
/// The daemon compares them to know whether what it found at the last tick still holds (see
/// ``EvaluationMemory``); a database that cannot tell cheaply gives no token, and every tick then
/// evaluates everything.
public struct DataVersion: Sendable, Hashable {
    var parts: [Int64]

    /// SQLite: `PRAGMA data_version`, which changes when another connection commits (never for
    /// this connection's own writes), and the file's identity; with `contents`, also its size and
    /// modification time, which change when the file is written other than through SQLite (only
    /// for a file this process never writes). `nil` when the file cannot be looked up.
    static func sqlite(_ db: Database, path: String, contents: Bool) throws -> DataVersion? {
        let data = try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        var parts = [data, Int64(bitPattern: UInt64(info.st_dev)), Int64(bitPattern: UInt64(info.st_ino))]
        if contents { parts += [Int64(info.st_size), Int64(info.st_mtim.tv_sec), Int64(info.st_mtim.tv_nsec)] }
        return DataVersion(parts: parts)
    }
}
