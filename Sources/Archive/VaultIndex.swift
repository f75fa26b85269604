import CSQLiteOptions
import Foundation
import GRDB
import GRDBSQLite

/// A message ready to be indexed: its location (for a new blob) or none (a mapping only).
struct PendingEntry: Sendable {
    var account: String
    var uidl: String
    var contentHash: String
    /// Set for the first stored copy of this content.
    var message: MessageRecord?
    /// Copies of this (UIDL, content) the server listed in this session.
    var copies: Int
    var seenAt: Int64
}

/// The SQLite index (GRDB, WAL mode). The one owner of every query and write on it.
///
/// One connection (`DatabaseQueue`), in WAL mode so that other processes (`status`, `verify`)
/// read while a run writes. A `DatabasePool` would add reader connections, but the reads of a
/// run come from the thread that then writes (`VaultWriter`'s dedup checks) or happen once per
/// session (`archivedMailbox`), and opening a pool costs a second connection and a write at
/// every open (GRDB creates and drops a table so that the WAL file exists): 2.8 ms of CPU in a
/// run with nothing new.
///
/// The WAL stays when the index closes (`SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE`): it is part of the
/// index, as SQLite has it, and `index.sqlite-wal` goes wherever `index.sqlite` goes. SQLite
/// checkpoints it into the database file once it holds 1,000 pages, during a commit. Closing
/// with a checkpoint wrote every page a run had changed a second time, and synced the database
/// file and the WAL, at the end of every run; and the next run created the WAL anew, with a
/// sync of the vault's directory.
public final class VaultIndex: @unchecked Sendable {
    let database: DatabaseQueue
    public let path: String

    public init(path: String) throws {
        self.path = path
        // SQLite gives the WAL and the shared memory the database file's mode, and the WAL now
        // outlives the run: the file is made 0600 before SQLite first opens it.
        let created = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if created >= 0 { Glibc.close(created) }
        for suffix in ["", "-wal", "-shm"] { chmod(path + suffix, 0o600) }
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL")
            guard mode == "wal" else {
                throw DatabaseError(message: "the index cannot use WAL mode (journal mode \(mode ?? "unknown")); "
                    + "WAL needs a local file system: put the vault on one, not on a network share")
            }
            let kept = popvault_sqlite_keep_wal_on_close(db.sqliteConnection)
            guard kept == SQLITE_OK else {
                throw DatabaseError(resultCode: ResultCode(rawValue: kept), message: "this SQLite cannot keep the WAL on close "
                    + "(SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE needs SQLite 3.16 or later): install a newer libsqlite3")
            }
        }
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
            // Said explicitly, whatever SQLite was built with: a commit is on disk before it returns.
            // The WAL file is cut back to what it holds at the first commit after each checkpoint,
            // so that its size tells how much waits to be checkpointed (`checkpointLargeWAL`).
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                try db.execute(sql: "PRAGMA journal_size_limit = 0")
            }
            try IndexSchema.migrator.migrate(database)
        } catch {
            throw ArchiveError.io("cannot open the index \(path): \(error) (if it is damaged, `popvault reindex` rebuilds it from the segments)")
        }
    }

    // MARK: Questions the backup asks

    /// What the index holds of one account's server mailbox, in one pass over its entries.
    /// The rows are stepped with SQLite's C API and their UIDL bytes packed as they are read:
    /// no row object and no string per UIDL, which for tens of thousands of UIDLs was most of
    /// the work of a run with nothing new.
    public func archivedMailbox(account: String) throws -> ArchivedMailbox {
        try database.read { db in
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

    /// The last listing a run of this account archived completely (`record(_:accountName:completeListing:)`),
    /// unless an entry of the account was removed or changed since (the schema's triggers).
    public func completeListing(account: String) throws -> ListingSummary? {
        try database.unsafeRead { db in
            let statement = try db.cachedStatement(sql: """
                SELECT completeListingDigest, completeListingCount, completeListingSize, completeListingDuplicates
                FROM account WHERE id = ? AND completeListingDigest IS NOT NULL
                """)
            guard let row = try Row.fetchOne(statement, arguments: [account]) else { return nil }
            let (digest, count, size, duplicates): (Data?, Int?, Int?, Int?) = (row[0], row[1], row[2], row[3])
            guard let digest, let count, let size, let duplicates else { return nil }
            return ListingSummary(digest: digest, count: count, size: size, duplicatedUIDLs: duplicates)
        }
    }

    /// Whether the index holds this content. Asked for every message a backup stores.
    public func hasMessage(_ contentHash: String) throws -> Bool {
        try exists("SELECT 1 FROM message WHERE contentHash = ?", [contentHash])
    }

    /// Whether the index holds this (account, UIDL, content). Asked for every message whose content it has.
    public func hasMapping(account: String, uidl: String, contentHash: String) throws -> Bool {
        try exists("SELECT 1 FROM mailboxEntry WHERE accountId = ? AND uidl = ? AND contentHash = ?",
                   [account, uidl, contentHash])
    }

    /// One lookup, with its statement prepared once per connection. A single SELECT reads one
    /// consistent state of the index by itself, so it runs outside a transaction: GRDB's `read`
    /// would add a transaction and a read-only switch around it, four statements more. The
    /// content lookup alone was 6.7% of the CPU time of fetching 1,000 small messages.
    private func exists(_ sql: String, _ arguments: StatementArguments) throws -> Bool {
        try database.unsafeRead { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (\(sql))"), arguments: arguments) ?? false
        }
    }

    public func message(_ contentHash: String) throws -> MessageRecord? {
        try database.read { db in try MessageRecord.fetchOne(db, key: contentHash) }
    }

    public func segment(id: Int64) throws -> SegmentRecord? {
        try database.read { db in try SegmentRecord.fetchOne(db, key: id) }
    }

    public func segments() throws -> [SegmentRecord] {
        try database.read { db in try SegmentRecord.order(Column("id")).fetchAll(db) }
    }

    public func messages(inSegment id: Int64) throws -> [MessageRecord] {
        try database.read { db in try MessageRecord.filter(Column("segmentId") == id).order(Column("offset")).fetchAll(db) }
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

    // MARK: Segments

    /// Registers a new open segment with the next free number, atomically (parallel writers).
    func registerNextSegment(now: Int64, name: (Int64) -> String) throws -> (Int64, String) {
        try database.write { db in
            let id = (try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM segment") ?? 0) + 1
            let segmentName = name(id)
            try SegmentRecord(id: id, name: segmentName, state: "open", committedLength: 0, length: nil, sha256: nil,
                              createdAt: now, sealedAt: nil).insert(db)
            return (id, segmentName)
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

    /// Indexes a batch in one transaction and moves the segment's committed length forward.
    /// The caller has fsynced the segment up to `committedLength` (invariant 1). Cached
    /// statements rather than records: this runs for every message of a first backup.
    func commit(_ batch: [PendingEntry], accountNames: [String: String], segmentId: Int64?, committedLength: Int64) throws {
        try database.write { db in
            let account = try db.cachedStatement(sql: "INSERT INTO account (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING")
            for (id, name) in accountNames { try account.execute(arguments: [id, name]) }
            let message = try db.cachedStatement(sql: """
                INSERT INTO message (contentHash, segmentId, offset, memberLength, canonicalLength, archivedAt,
                    date, dateTime, fromAddress, toAddress, subject, messageId)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (contentHash) DO NOTHING
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
                }
                try entry.execute(arguments: [pending.account, pending.uidl, pending.contentHash, pending.copies,
                                              pending.seenAt, pending.seenAt])
            }
            if let segmentId {
                try db.execute(sql: "UPDATE segment SET committedLength = ? WHERE id = ?", arguments: [committedLength, segmentId])
            }
        }
    }

    /// Records what the server listed in this session: the `changes` the planner found between
    /// the listing and what the index held (`archivedMailbox`). Only changes are written, so a
    /// run over an unchanged mailbox updates one row: departed entries become "gone" (keeping
    /// the previous listing as their last sighting), returned ones "present", and the account's
    /// `lastListedAt` moves to `time`. Written as bookkeeping (`writeBookkeeping`): the next
    /// listing says all of it again.
    public func recordListing(account: String, name: String, changes: ListingChanges, at time: Int64) throws {
        try writeBookkeeping { db in
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

    // MARK: Runs

    /// Records a finished run, registering its account if the index does not know it yet, in
    /// one transaction. Bookkeeping, like the listing: it makes no message findable and allows no
    /// deletion, so it is not synced by itself. A killed process loses nothing (the commit is in
    /// the page cache); a power cut before the next synced commit can lose it, and `status` then
    /// names the run before. Its sync was the one fsync of a run with nothing new, on the way to
    /// its exit: 1.3–2.5 ms of about 63 (interleaved runs).
    ///
    /// One statement names the columns, where GRDB's record insert would first read the table's
    /// schema: a millisecond at the end of every run, which is most of a run with nothing new.
    ///
    /// `completeListing`, given for a run that left nothing behind, replaces the account's
    /// complete listing; after its messages' synced commits, so that it never outlives them.
    public func record(_ run: RunRecord, accountName: String, completeListing: ListingSummary? = nil) throws {
        try writeBookkeeping { db in
            try db.execute(sql: "INSERT INTO account (id, name) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
                           arguments: [run.accountId, accountName])
            if let listing = completeListing {
                try db.execute(sql: """
                    UPDATE account SET completeListingDigest = ?, completeListingCount = ?, completeListingSize = ?,
                                       completeListingDuplicates = ?
                    WHERE id = ?
                    """, arguments: [listing.digest, listing.count, listing.size, listing.duplicatedUIDLs, run.accountId])
            }
            try db.execute(sql: """
                INSERT INTO run (accountId, startedAt, finishedAt, result, fetched, newMessages, bytes, skipped,
                                 remapped, onServerCount, onServerBytes, error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [run.accountId, run.startedAt, run.finishedAt, run.result, run.fetched, run.newMessages,
                                 run.bytes, run.skipped, run.remapped, run.onServerCount, run.onServerBytes, run.error])
        }
    }

    /// Commits `updates` in one transaction without syncing the WAL. For what a later run writes
    /// again or can do without (the server's listing, a run's record), never for what makes an
    /// archived message findable: a power cut before the next synced commit (a later message's,
    /// or a checkpoint's) loses at most these rows. The writer is set back to FULL before this
    /// returns, also when `updates` failed.
    private func writeBookkeeping(_ updates: (Database) throws -> Void) throws {
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            let written = Result {
                try db.inTransaction {
                    try updates(db)
                    return .commit
                }
            }
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try written.get()
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

    /// Asks the kernel to read the index file into memory, in the background, if it is at most
    /// `prefetchLimit` bytes. Called when a run has messages to store: indexing them reads leaf
    /// pages all over the file (content hashes are random), and a nightly run finds the file
    /// cold. Read one page at a time, those reads made a run that fetched 100 small messages
    /// 25–35 ms slower than with the file in memory; read ahead while the messages arrive, they
    /// are done before the commit needs them. A larger index is left to be read as needed.
    public func prefetch() {
        let file = open(path, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { return }
        var status = stat()
        if fstat(file, &status) == 0 && status.st_size <= Self.prefetchLimit {
            _ = posix_fadvise(file, 0, 0, POSIX_FADV_WILLNEED)
        }
        Glibc.close(file)
    }

    static let prefetchLimit: Int = 64 * 1024 * 1024

    /// Closes the connection; the WAL stays, holding the latest commits (see the type's comment).
    public func close() throws {
        try database.close()
    }

    /// Moves every commit from the WAL into the database file and empties the WAL, so that the
    /// database file alone is the whole index (`reindex` renames it into place).
    public func checkpoint() throws {
        try database.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// Checkpoints the WAL (passively) if it holds more than `largeWALBytes`, as a run does when
    /// it opens the vault, while its sessions connect and log in: the run's commits then do not
    /// find a WAL near 1,000 pages that one of them would have to checkpoint first. A small WAL
    /// is left: checkpointing it at every opening cost three syncs, and a sync more at the end of
    /// a run with nothing new, as the WAL then started over.
    func checkpointLargeWAL() throws {
        // stat, not FileManager's attributes, which also look up the owner's and the group's
        // names (nscd's socket, /etc/passwd, /etc/group) at every opening.
        var status = stat()
        guard stat(path + "-wal", &status) == 0, status.st_size > Self.largeWALBytes else { return }
        try database.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
    }

    static let largeWALBytes = 1024 * 1024
}
