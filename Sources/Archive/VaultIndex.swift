import Escaping
import Foundation
import GRDB
import GRDBSQLite

/// A message ready to be indexed: its location (for a new blob) or none (a mapping only).
struct PendingEntry: Sendable {
    var account: String
    var uidl: String
    var contentHash: String
    /// Set for the first stored copy of this content, with the text the search index keeps.
    var message: MessageRecord?
    var searchBody: String?
    /// Copies of this (UIDL, content) the server listed in this session.
    var copies: Int
    var seenAt: Int64
}

/// Where a segment's committed bytes end, recorded with the batch that reaches there.
struct CommittedLength: Sendable {
    let segmentId: Int64
    let length: Int64
}

/// The SQLite index (GRDB). The one owner of every query and write on it.
///
/// One connection (`DatabaseQueue`) in WAL mode, so that readers in other processes (`status`,
/// `search`, `restore`) read while a run writes. Every commit is synced (`synchronous = FULL`).
/// A writer's close checkpoints the WAL into `index.sqlite` (SQLite does when the last
/// connection closes), so that after a run the file alone holds every committed row, and a
/// vault copied file by file loses nothing.
///
/// A reader opens the index read-only. On a read-only copy of a vault (a read-only mount, or
/// files another user owns) SQLite cannot make the WAL's shared-memory file, and the index is
/// opened as immutable instead, which is safe because no writer can be at work on such a copy.
public final class VaultIndex: Sendable {
    let database: DatabaseQueue
    public let path: String
    public let isReadOnly: Bool

    /// `vaultRoot`: where the segments are, for migrations that re-read messages. A reader
    /// (`readOnly`) never migrates; `writerActive` says a writer holds the vault's lock, so the
    /// immutable fallback is not taken.
    public init(path: String, vaultRoot: String, readOnly: Bool = false, writerActive: Bool = false) throws {
        self.path = path
        isReadOnly = readOnly
        do {
            if readOnly {
                database = try Self.openForReading(path: path, writerActive: writerActive)
            } else {
                for suffix in ["", "-wal", "-shm"] where FileSafety.exists(path + suffix) {
                    if let problem = FileSafety.fileProblem(path + suffix) { throw ArchiveError.unsafe(problem) }
                }
                // Made 0600 before SQLite first opens it; SQLite gives the WAL and its shared
                // memory the database file's mode.
                if let created = try? FileSafety.open(path, O_WRONLY | O_CREAT | O_EXCL) { FileSafety.close(created) }
                var configuration = Configuration()
                configuration.busyMode = .timeout(10)
                configuration.prepareDatabase { db in
                    let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
                    guard mode == "wal" else {
                        throw DatabaseError(message: "the index cannot use WAL mode (journal mode \(mode ?? "unknown")); "
                            + "WAL needs a local file system: put the vault on one, not on a network share")
                    }
                    try db.execute(sql: "PRAGMA synchronous = FULL")
                }
                database = try DatabaseQueue(path: path, configuration: configuration)
                try IndexSchema.migrator(vaultRoot: vaultRoot).migrate(database)
            }
        } catch let error as ArchiveError {
            throw error
        } catch {
            throw ArchiveError.io("cannot open the index \(path): \(error) (if it is damaged, `popvault reindex` rebuilds it from the segments)")
        }
    }

    private static func openForReading(path: String, writerActive: Bool) throws -> DatabaseQueue {
        guard FileSafety.exists(path) else { throw ArchiveError.notFound("\(path) does not exist: the vault has no index yet") }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        do {
            let database = try DatabaseQueue(path: path, configuration: configuration)
            _ = try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
            return database
        } catch {
            guard !writerActive else { throw error }
            let escaped = PercentEscaping.escape(path) { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || [UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~")].contains(byte)
            }
            let database = try DatabaseQueue(path: "file:\(escaped)?immutable=1", configuration: configuration)
            _ = try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master") }
            return database
        }
    }

    /// Closes the connection (a writer's close checkpoints the WAL, see the type's comment).
    public func close() throws {
        try database.close()
    }

    // MARK: Questions a backup session asks (awaited: never blocks a Swift concurrency thread)

    /// What the index holds of one account's server mailbox, in one pass over its entries. The
    /// rows are stepped with SQLite's C API and their UIDL bytes packed as they are read: no row
    /// object and no string per UIDL, for mailboxes of hundreds of thousands of messages.
    public func archivedMailbox(account: String) async throws -> ArchivedMailbox {
        try await database.read { db in
            let statement = try db.makeStatement(sql: """
                SELECT uidl, copies, serverState = 'gone' FROM mailboxEntry INDEXED BY mailboxEntry_listing
                WHERE accountId = ? ORDER BY uidl
                """)
            try statement.setArguments([account])
            let row = statement.sqliteStatement
            var mailbox = ArchivedMailbox()
            while true {
                let step = sqlite3_step(row)
                if step == SQLITE_DONE { return mailbox }
                guard step == SQLITE_ROW else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: step), message: db.lastErrorMessage, sql: statement.sql)
                }
                let text = UnsafeRawPointer(sqlite3_column_text(row, 0))
                let uidl = UnsafeRawBufferPointer(start: text, count: Int(sqlite3_column_bytes(row, 0)))
                mailbox.add(uidlBytes: uidl, copies: Int(sqlite3_column_int64(row, 1)), gone: sqlite3_column_int64(row, 2) != 0)
            }
        }
    }

    /// Records what the server listed in this session: the `changes` the planner found between
    /// the listing and what the index held. Departed entries become "gone" (keeping the
    /// previous listing as their last sighting), returned ones "present", and the account's
    /// `lastListedAt` moves to `time`.
    public func recordListing(account: String, name: String, changes: ListingChanges, at time: Int64) async throws {
        try await database.write { db in
            let previous = try Int64.fetchOne(db, sql: "SELECT lastListedAt FROM account WHERE id = ?", arguments: [account])
            let gone = try db.makeStatement(sql: """
                UPDATE mailboxEntry SET serverState = 'gone', lastSeenOnServer = COALESCE(?, lastSeenOnServer)
                WHERE accountId = ? AND uidl = ?
                """)
            for uidl in changes.departed { try gone.execute(arguments: [previous, account, uidl]) }
            let back = try db.makeStatement(sql: """
                UPDATE mailboxEntry SET serverState = 'present', lastSeenOnServer = ? WHERE accountId = ? AND uidl = ?
                """)
            for uidl in changes.returned { try back.execute(arguments: [time, account, uidl]) }
            try db.execute(sql: """
                INSERT INTO account (id, name, lastListedAt) VALUES (?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET lastListedAt = excluded.lastListedAt
                """, arguments: [account, name, time])
        }
    }

    /// Records a finished run, registering its account if the index does not know it yet.
    public func record(_ run: RunRecord, accountName: String) async throws {
        try await database.write { db in
            try db.execute(sql: "INSERT INTO account (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
                           arguments: [run.accountId, accountName])
            try db.execute(sql: """
                INSERT INTO run (accountId, startedAt, finishedAt, result, fetched, newMessages, bytes, skipped,
                                 remapped, onServerCount, onServerBytes, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run.accountId, run.startedAt, run.finishedAt, run.result, run.fetched, run.newMessages,
                                 run.bytes, run.skipped, run.remapped, run.onServerCount, run.onServerBytes, run.error])
        }
    }

    // MARK: Questions the writer asks, for every message it stores

    /// Whether the index holds this content.
    public func hasMessage(_ contentHash: String) throws -> Bool {
        try exists("SELECT 1 FROM message WHERE contentHash = ?", [contentHash])
    }

    /// Whether the index holds this (account, UIDL, content).
    public func hasMapping(account: String, uidl: String, contentHash: String) throws -> Bool {
        try exists("SELECT 1 FROM mailboxEntry WHERE accountId = ? AND uidl = ? AND contentHash = ?",
                   [account, uidl, contentHash])
    }

    /// One lookup, its statement prepared once per connection, outside a transaction (a single
    /// SELECT reads one consistent state by itself).
    private func exists(_ sql: String, _ arguments: StatementArguments) throws -> Bool {
        try database.unsafeRead { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (\(sql))"), arguments: arguments) ?? false
        }
    }

    // MARK: Reading

    public func message(_ contentHash: String) throws -> MessageRecord? {
        try database.read { db in try MessageRecord.fetchOne(db, key: contentHash) }
    }

    public func segment(id: Int64) throws -> SegmentRecord? {
        try database.read { db in try SegmentRecord.fetchOne(db, key: id) }
    }

    public func segments() throws -> [SegmentRecord] {
        try database.read { db in try SegmentRecord.order(Column("id")).fetchAll(db) }
    }

    public func allMessages() throws -> [MessageRecord] {
        try database.read { db in try MessageRecord.order(Column("segmentId"), Column("offset")).fetchAll(db) }
    }

    public func entries(forContent hash: String) throws -> [MailboxEntryRecord] {
        try database.read { db in try MailboxEntryRecord.filter(Column("contentHash") == hash).fetchAll(db) }
    }

    public func allEntries() throws -> [MailboxEntryRecord] {
        try database.read { db in try MailboxEntryRecord.order(Column("accountId"), Column("uidl")).fetchAll(db) }
    }

    public func counts() throws -> (messages: Int, entries: Int, bytes: Int64) {
        try database.read { db in
            let messages = try MessageRecord.fetchCount(db)
            let entries = try MailboxEntryRecord.fetchCount(db)
            let bytes = try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(canonicalLength), 0) FROM message") ?? 0
            return (messages, entries, bytes)
        }
    }

    public func lastRuns() throws -> [RunRecord] {
        try database.read { db in
            try RunRecord.fetchAll(db, sql: "SELECT * FROM run WHERE id IN (SELECT MAX(id) FROM run GROUP BY accountId) ORDER BY accountId")
        }
    }

    public func accountTotals() throws -> [String: (messages: Int, bytes: Int64)] {
        try database.read { db in
            var totals: [String: (Int, Int64)] = [:]
            let rows = try Row.fetchCursor(db, sql: """
                SELECT e.accountId, COUNT(DISTINCT e.contentHash), COALESCE(SUM(m.canonicalLength), 0)
                FROM (SELECT DISTINCT accountId, contentHash FROM mailboxEntry) e JOIN message m ON m.contentHash = e.contentHash
                GROUP BY e.accountId
                """)
            while let row = try rows.next() { totals[row[0]] = (row[1], row[2]) }
            return totals
        }
    }

    public func accounts() throws -> [AccountRecord] {
        try database.read { db in try AccountRecord.order(Column("id")).fetchAll(db) }
    }

    // MARK: Segments

    /// Registers a new open segment with a number above every segment the index records and
    /// every file `segments/` holds (`existing`), so that it never meets a file it did not make.
    func registerNextSegment(now: Int64, existing: [String]) throws -> (Int64, String) {
        let highestFile = existing.compactMap(SegmentName.id(of:)).max() ?? 0
        return try database.write { db in
            let id = max(try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM segment") ?? 0, highestFile) + 1
            let name = SegmentName.make(id)
            try SegmentRecord(id: id, name: name, state: "open", committedLength: 0, length: nil, sha256: nil,
                              createdAt: now, sealedAt: nil).insert(db)
            return (id, name)
        }
    }

    func registerSegment(id: Int64, name: String, now: Int64) throws {
        try database.write { db in
            try SegmentRecord(id: id, name: name, state: "open", committedLength: 0, length: nil, sha256: nil,
                              createdAt: now, sealedAt: nil).insert(db)
        }
    }

    func sealSegment(id: Int64, length: Int64, sha256: String, now: Int64) throws {
        try database.write { db in
            try db.execute(sql: "UPDATE segment SET state = 'sealed', length = ?, committedLength = ?, sha256 = ?, sealedAt = ? WHERE id = ?",
                           arguments: [length, length, sha256, now, id])
        }
    }

    func deleteSegment(id: Int64) throws {
        try database.write { db in _ = try SegmentRecord.deleteOne(db, key: id) }
    }

    // MARK: Commits

    /// Indexes a batch in one transaction and moves the segments' committed lengths forward.
    /// The caller has fsynced every segment up to `committedLengths` (invariant 1).
    func commit(_ batch: [PendingEntry], accountNames: [String: String], committedLengths: [CommittedLength]) throws {
        try database.write { db in
            let account = try db.cachedStatement(sql: "INSERT INTO account (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING")
            for (id, name) in accountNames { try account.execute(arguments: [id, name]) }
            let message = try db.cachedStatement(sql: """
                INSERT INTO message (contentHash, segmentId, offset, memberLength, canonicalLength, archivedAt,
                    date, dateTime, fromAddress, toAddress, subject, messageId)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (contentHash) DO NOTHING
                """)
            let text = try db.cachedStatement(sql: """
                INSERT INTO messageText (contentHash, fromAddress, toAddress, subject, body) VALUES (?, ?, ?, ?, ?)
                """)
            let entry = try db.cachedStatement(sql: """
                INSERT INTO mailboxEntry (accountId, uidl, contentHash, copies, firstSeen, lastSeenOnServer, serverState)
                VALUES (?, ?, ?, ?, ?, ?, 'present')
                ON CONFLICT (accountId, uidl, contentHash) DO UPDATE SET copies = MAX(copies, excluded.copies),
                    lastSeenOnServer = excluded.lastSeenOnServer, serverState = 'present'
                """)
            for pending in batch {
                if let record = pending.message {
                    try message.execute(arguments: [
                        record.contentHash, record.segmentId, record.offset, record.memberLength, record.canonicalLength,
                        record.archivedAt, record.date, record.dateTime, record.fromAddress, record.toAddress, record.subject,
                        record.messageId,
                    ])
                    if db.changesCount > 0 {
                        try text.execute(arguments: [record.contentHash, record.fromAddress, record.toAddress, record.subject,
                                                     pending.searchBody])
                    }
                }
                try entry.execute(arguments: [pending.account, pending.uidl, pending.contentHash, pending.copies,
                                              pending.seenAt, pending.seenAt])
            }
            let segment = try db.cachedStatement(sql: "UPDATE segment SET committedLength = ? WHERE id = ?")
            for committed in committedLengths { try segment.execute(arguments: [committed.length, committed.segmentId]) }
        }
    }

    /// Moves every commit from the WAL into the database file and empties the WAL, so that the
    /// database file alone is the whole index (`reindex` renames it into place).
    func checkpoint() throws {
        try database.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// Asks the kernel to read the index file into memory in the background, if it is at most
    /// `prefetchLimit` bytes. Called when a run has messages to store: indexing them reads leaf
    /// pages all over the file (content hashes are random), and a nightly run finds the file cold.
    public func prefetch() {
        #if canImport(Glibc)
        guard let file = try? FileSafety.open(path, O_RDONLY) else { return }
        var status = stat()
        if fstat(file, &status) == 0 && status.st_size <= Self.prefetchLimit {
            _ = posix_fadvise(file, 0, 0, POSIX_FADV_WILLNEED)
        }
        FileSafety.close(file)
        #endif
    }

    static let prefetchLimit: Int = 64 * 1024 * 1024
}
