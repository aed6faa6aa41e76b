import PostgresNIO

extension PostgresPool {
    /// Runs `body` in one transaction on one pooled connection: committed when it returns, rolled
    /// back when it throws (a broken connection rolls back on the server by itself).
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) throws(PostgresError) -> T {
        try withConnection { connection in
            try await connection.query("BEGIN", logger: PostgresPool.logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: PostgresPool.logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: PostgresPool.logger)
                throw error
            }
        }
    }
}

extension PostgresConnection {
    /// Every row of `query`, collected.
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        var rows: [PostgresRow] = []
        for try await row in try await self.query(query, logger: PostgresPool.logger) { rows.append(row) }
        return rows
    }
}
