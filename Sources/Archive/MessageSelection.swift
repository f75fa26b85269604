import GRDB

/// Which stored messages a reader wants (`restore`, `export`, `search`): by account, by the
/// time of the message (its Date header, else when it was archived), by a full-text query, by
/// the start of its content hash. Every part is optional; they combine with "and".
public struct MessageFilter: Sendable, Equatable {
    /// Account ids; empty means every account.
    public var accounts: [String] = []
    /// Unix seconds, inclusive.
    public var since: Int64?
    /// Unix seconds, exclusive.
    public var until: Int64?
    /// An FTS5 query over From, To, Subject and the start of the text.
    public var query: String?
    /// Lower-case hex.
    public var hashPrefix: String?

    public init() {}
}

/// A stored message and the accounts (within the filter's) whose servers listed it.
public struct SelectedMessage: Sendable {
    public let record: MessageRecord
    public let accounts: [String]
}

extension VaultIndex {
    /// The messages `filter` selects, in the order of the segments (the cheapest to read), each
    /// with its accounts.
    public func messages(matching filter: MessageFilter, limit: Int? = nil, orderByRank: Bool = false) throws -> [SelectedMessage] {
        var conditions: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        if !filter.accounts.isEmpty {
            conditions.append("e.accountId IN (\(Array(repeating: "?", count: filter.accounts.count).joined(separator: ", ")))")
            arguments += filter.accounts
        }
        if let since = filter.since {
            conditions.append("COALESCE(m.dateTime, m.archivedAt) >= ?")
            arguments.append(since)
        }
        if let until = filter.until {
            conditions.append("COALESCE(m.dateTime, m.archivedAt) < ?")
            arguments.append(until)
        }
        if let prefix = filter.hashPrefix {
            guard prefix.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
                throw ArchiveError.badRequest("a message id is hexadecimal (0-9, a-f); \"\(prefix)\" is not")
            }
            conditions.append("m.contentHash >= ? AND m.contentHash < ?")
            arguments += [prefix, prefix + "g"]
        }
        var from = "message m JOIN mailboxEntry e ON e.contentHash = m.contentHash"
        var order = "m.segmentId, m.offset"
        if let query = filter.query {
            try requireSearchIndex()
            from += " JOIN (SELECT contentHash, rank FROM messageText WHERE messageText MATCH ?) t ON t.contentHash = m.contentHash"
            arguments.insert(query, at: 0)
            if orderByRank { order = "MIN(t.rank), m.dateTime DESC" }
        }
        let sql = "SELECT m.*, GROUP_CONCAT(DISTINCT e.accountId) AS accounts FROM \(from)"
            + (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " GROUP BY m.contentHash ORDER BY \(order)" + (limit.map { " LIMIT \(max(0, $0))" } ?? "")
        do {
            return try database.read { db in
                try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { row in
                    let accounts = (row["accounts"] as String?)?.split(separator: ",").map(String.init).sorted() ?? []
                    return SelectedMessage(record: try MessageRecord(row: row), accounts: accounts)
                }
            }
        } catch let error as DatabaseError where filter.query != nil && error.resultCode == .SQLITE_ERROR {
            throw ArchiveError.badRequest("SQLite does not understand the search query \(filter.query ?? "") (\(error.message ?? "")); "
                + "put words in double quotes to search for them as they are")
        }
    }

    /// The messages whose content hash starts with `prefix`, at most `limit` of them.
    public func messages(withHashPrefix prefix: String, limit: Int) throws -> [MessageRecord] {
        var filter = MessageFilter()
        filter.hashPrefix = prefix
        return try messages(matching: filter, limit: limit).map(\.record)
    }

    /// Whether the index has the search table (migration v5); an index only read, written by
    /// an older popvault, may not.
    private func requireSearchIndex() throws {
        let present = try database.read { db in try db.tableExists("messageText") }
        guard present else {
            throw ArchiveError.badRequest("this vault's index was written by an older popvault and has no search index yet: "
                + "run `popvault run` (or `popvault reindex`) once as the vault's owner to add it")
        }
    }
}
