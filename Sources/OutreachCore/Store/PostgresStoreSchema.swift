import Foundation

/// The business's `customers`, `purchases` and `tickets` (tables or views) as PostgreSQL types
/// them, read at open, and what outreachd cannot work with.
///
/// The column types decide how each tick query is written (see ``PostgresStoreQueries``): a
/// `timestamptz` is ranged as an instant, ISO text by its date prefix; a `date` birthday by its
/// month and day, text by its last five characters.
struct PostgresStoreSchema: Sendable {
    /// A column's type, as far as the queries care.
    enum Kind: Sendable, Hashable {
        case text, timestamptz, timestamp, date, number, integer, boolean, uuid, other
    }

    struct Column: Sendable, Hashable {
        /// The type as PostgreSQL names it (`timestamp with time zone`), a domain resolved to its base type.
        var type: String
        var kind: Kind
    }

    struct Relation: Sendable {
        /// `table`, `view`, `materialized view`, `partitioned table` or `foreign table`.
        var kind: String
        var columns: [String: Column]
    }

    /// The relations found, by name (as the `search_path` resolves it).
    var relations: [String: Relation]

    /// The catalog query: every column of the three relations, wherever `search_path` finds them,
    /// with domains resolved to their base type. Works alike for tables and views.
    static let catalogSQL = """
        SELECT c.relname::text AS relation, c.relkind::text AS relkind, a.attname::text AS column,
               format_type(CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END, NULL) AS type
        FROM pg_class c
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        JOIN pg_type t ON t.oid = a.atttypid
        WHERE c.oid IN (to_regclass('customers'), to_regclass('purchases'), to_regclass('tickets'))
        """

    /// Builds the schema from the catalog query's rows: `(relation, relkind, column, type)`.
    init(catalog rows: [(relation: String, relkind: String, column: String, type: String)]) {
        var relations: [String: Relation] = [:]
        for row in rows {
            let kind = ["r": "table", "v": "view", "m": "materialized view", "p": "partitioned table", "f": "foreign table"][row.relkind] ?? "relation"
            relations[row.relation, default: Relation(kind: kind, columns: [:])].columns[row.column.lowercased()] = Column(type: row.type, kind: Self.kind(of: row.type))
        }
        self.relations = relations
    }

    init(relations: [String: Relation]) {
        self.relations = relations
    }

    static func kind(of type: String) -> Kind {
        switch type {
        case "text", "character varying", "character", "citext", "name", "\"char\"": return .text
        case "timestamp with time zone": return .timestamptz
        case "timestamp without time zone": return .timestamp
        case "date": return .date
        case "numeric", "double precision", "real", "money": return .number
        case "integer", "bigint", "smallint": return .integer
        case "boolean": return .boolean
        case "uuid": return .uuid
        default: return .other
        }
    }

    /// The kind of `table.column`; `.text` when absent (``problems`` reports that).
    func kind(_ table: String, _ column: String) -> Kind {
        relations[table]?.columns[column]?.kind ?? .text
    }

    /// The kinds each column may have; columns not listed are read as text whatever their type.
    static let allowedKinds: [String: [String: Set<Kind>]] = [
        "customers": ["id": [.text, .integer, .uuid], "birthday": [.text, .date], "opted_out": [.boolean, .integer, .number, .text]],
        "purchases": ["id": [.text, .integer, .uuid], "customer_id": [.text, .integer, .uuid], "purchased_at": [.text, .timestamptz],
                      "amount": [.number, .integer, .text]],
        "tickets": ["id": [.text, .integer, .uuid], "customer_id": [.text, .integer, .uuid], "status": [.text],
                    "opened_at": [.text, .timestamptz], "updated_at": [.text, .timestamptz], "solved_at": [.text, .timestamptz]],
    ]

    /// What to write instead of a type outreachd cannot use, by column.
    private static func advice(_ table: String, _ column: String, _ type: String) -> String {
        if type == "timestamp without time zone" {
            return "\(table).\(column) is timestamp without time zone: its values name no instant; use timestamptz "
                + "(or a view with \(column) AT TIME ZONE 'Europe/Budapest' AS \(column))"
        }
        let allowed = allowedKinds[table]?[column].map { kinds in
            kinds.map { kind -> String in
                switch kind {
                case .text: return "text"
                case .timestamptz: return "timestamptz"
                case .date: return "date"
                case .number: return "numeric or double precision"
                case .integer: return "an integer type"
                case .boolean: return "boolean"
                case .uuid: return "uuid"
                case .timestamp, .other: return "?"
                }
            }.sorted().joined(separator: ", ")
        } ?? "text"
        return "\(table).\(column) has type \(type), which outreachd cannot query; use \(allowed) (or a view that casts it)"
    }

    /// Missing relations and columns, and columns of a type no query can serve; empty when the store is usable.
    func problems() -> [String] {
        var problems: [String] = []
        for (table, columns) in StoreSchema.requiredColumns.sorted(by: { $0.key < $1.key }) {
            guard let relation = relations[table] else {
                problems.append("no table or view named \(table) (in the search_path of this user); create it, or a view of that name over your own table")
                continue
            }
            let missing = columns.filter { relation.columns[$0] == nil }
            if !missing.isEmpty {
                problems.append("\(relation.kind) \(table) has no column\(missing.count == 1 ? "" : "s") \(missing.joined(separator: ", "))")
            }
            for column in columns {
                guard let found = relation.columns[column], let allowed = Self.allowedKinds[table]?[column], !allowed.contains(found.kind) else { continue }
                problems.append(Self.advice(table, column, found.type))
            }
        }
        return problems
    }
}
