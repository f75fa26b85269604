import GRDB

/// The index schema. A migration, once shipped, is never edited: add a new one.
enum IndexSchema {
    /// `vaultRoot`: where the segments are, for migrations that re-read messages.
    static func migrator(vaultRoot: String) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "segment") { t in
                t.column("id", .integer).primaryKey()
                t.column("name", .text).notNull().unique()
                t.column("state", .text).notNull()
                t.column("committedLength", .integer).notNull()
                t.column("length", .integer)
                t.column("sha256", .text)
                t.column("createdAt", .integer).notNull()
                t.column("sealedAt", .integer)
            }
            try db.create(table: "message") { t in
                t.column("contentHash", .text).primaryKey()
                t.column("segmentId", .integer).notNull().references("segment")
                t.column("offset", .integer).notNull()
                t.column("memberLength", .integer).notNull()
                t.column("canonicalLength", .integer).notNull()
                t.column("archivedAt", .integer).notNull()
                t.column("date", .text)
                t.column("dateTime", .integer)
                t.column("fromAddress", .text)
                t.column("toAddress", .text)
                t.column("subject", .text)
                t.column("messageId", .text)
            }
            try db.create(index: "message_segment", on: "message", columns: ["segmentId", "offset"])
            try db.create(table: "account") { t in
                t.column("id", .text).primaryKey()
                t.column("name", .text).notNull()
            }
            try db.create(table: "mailboxEntry") { t in
                t.column("accountId", .text).notNull().references("account")
                t.column("uidl", .text).notNull()
                t.column("contentHash", .text).notNull().references("message")
                t.column("copies", .integer).notNull()
                t.column("firstSeen", .integer).notNull()
                t.column("lastSeenOnServer", .integer).notNull()
                t.column("serverState", .text).notNull()
                t.primaryKey(["accountId", "uidl", "contentHash"])
            }
            try db.create(index: "mailboxEntry_hash", on: "mailboxEntry", columns: ["contentHash"])
            try db.create(table: "run") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("accountId", .text).notNull()
                t.column("startedAt", .integer).notNull()
                t.column("finishedAt", .integer)
                t.column("result", .text).notNull()
                t.column("fetched", .integer).notNull()
                t.column("newMessages", .integer).notNull()
                t.column("bytes", .integer).notNull()
                t.column("skipped", .integer).notNull()
                t.column("remapped", .integer).notNull()
                t.column("onServerCount", .integer)
                t.column("onServerBytes", .integer)
                t.column("error", .text)
            }
            try db.create(index: "run_account", on: "run", columns: ["accountId", "startedAt"])
            try db.create(virtualTable: "messageSearch", using: FTS5()) { t in
                t.synchronize(withTable: "message")
                t.column("fromAddress")
                t.column("toAddress")
                t.column("subject")
            }
        }
        // When each account's server listing was last read. With it, a run records only what
        // changed on the server instead of touching every entry's lastSeenOnServer each night.
        migrator.registerMigration("v2") { db in
            try db.alter(table: "account") { t in t.add(column: "lastListedAt", .integer) }
        }
        // Every run reads one account's (uidl, copies, serverState) to compare with the server's
        // listing. Covered by this index, that is one scan of a small b-tree, in UIDL order,
        // instead of a lookup of every table row.
        migrator.registerMigration("v3") { db in
            try db.create(index: "mailboxEntry_listing", on: "mailboxEntry", columns: ["accountId", "uidl", "serverState", "copies"])
        }
        // The last listing each account's run archived completely (`ListingSummary`). The
        // triggers forget it as soon as an entry of the account is removed, or changes its copies
        // or its server state: the listing then no longer proves that every message it lists is
        // in the vault with the state it had, and the next run reads the index's view, fetches
        // what is missing and records what changed.
        migrator.registerMigration("v4") { db in
            try db.alter(table: "account") { t in
                t.add(column: "completeListingDigest", .blob)
                t.add(column: "completeListingCount", .integer)
                t.add(column: "completeListingSize", .integer)
                t.add(column: "completeListingDuplicates", .integer)
            }
            try db.execute(sql: """
                CREATE TRIGGER mailboxEntry_removal_forgets_complete_listing AFTER DELETE ON mailboxEntry BEGIN
                    UPDATE account SET completeListingDigest = NULL WHERE id = old.accountId;
                END;
                CREATE TRIGGER mailboxEntry_change_forgets_complete_listing
                AFTER UPDATE OF accountId, uidl, contentHash, copies, serverState ON mailboxEntry BEGIN
                    UPDATE account SET completeListingDigest = NULL WHERE id IN (old.accountId, new.accountId);
                END;
                """)
        }
        // The search index: decoded header fields and the start of each message's text
        // (`HeaderSummary`), in an FTS5 table of its own, which replaces v1's `messageSearch`
        // over the raw fields. The header fields of every message are derived again from its
        // stored bytes, with RFC 2047 words decoded and the Date forms real mail has. v4's
        // complete listing goes: a run reads the index's view of the mailbox every time.
        migrator.registerMigration("v5") { db in
            try db.execute(sql: """
                DROP TRIGGER mailboxEntry_removal_forgets_complete_listing;
                DROP TRIGGER mailboxEntry_change_forgets_complete_listing;
                ALTER TABLE account DROP COLUMN completeListingDigest;
                ALTER TABLE account DROP COLUMN completeListingCount;
                ALTER TABLE account DROP COLUMN completeListingSize;
                ALTER TABLE account DROP COLUMN completeListingDuplicates;
                """)
            try db.dropFTS5SynchronizationTriggers(forTable: "messageSearch")
            try db.execute(sql: "DROP TABLE messageSearch")
            try db.execute(sql: """
                CREATE VIRTUAL TABLE messageText USING fts5(
                    contentHash UNINDEXED, fromAddress, toAddress, subject, body,
                    tokenize = 'unicode61 remove_diacritics 2')
                """)
            try SearchFields.rederive(db, vaultRoot: vaultRoot)
        }
        return migrator
    }
}

/// Derives the searchable fields of every message in the index again from its stored bytes
/// (migration v5). A message that cannot be read keeps the fields it had and gets no text.
enum SearchFields {
    static func rederive(_ db: Database, vaultRoot: String) throws {
        let segments = Dictionary(try SegmentRecord.fetchAll(db).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let update = try db.makeStatement(sql: """
            UPDATE message SET date = ?, dateTime = ?, fromAddress = ?, toAddress = ?, subject = ?, messageId = ?
            WHERE contentHash = ?
            """)
        let text = try db.makeStatement(sql: "INSERT INTO messageText (contentHash, fromAddress, toAddress, subject, body) VALUES (?, ?, ?, ?, ?)")
        var scanner: (id: Int64, scanner: MemberScanner)?
        let messages = try MessageRecord.order(Column("segmentId"), Column("offset")).fetchCursor(db)
        while let message = try messages.next() {
            var summary = HeaderSummary()
            summary.date = message.date
            summary.dateTime = message.dateTime.map(Int.init)
            summary.from = message.fromAddress
            summary.to = message.toAddress
            summary.subject = message.subject
            summary.messageID = message.messageId
            if let segment = segments[message.segmentId], SegmentName.id(of: segment.name) == segment.id {
                if scanner?.id != segment.id {
                    scanner = (try? MemberScanner(path: vaultRoot + "/segments/" + segment.name,
                                                  limit: segment.length ?? segment.committedLength)).map { (segment.id, $0) }
                }
                if let prefix = try scanner?.scanner.readPrefix(at: message.offset, count: HeaderSummary.prefixLimit) {
                    summary = HeaderSummary.parse(prefix)
                }
            }
            try update.execute(arguments: [summary.date, summary.dateTime, summary.from, summary.to, summary.subject,
                                           summary.messageID, message.contentHash])
            try text.execute(arguments: [message.contentHash, summary.from, summary.to, summary.subject, summary.body])
        }
    }
}
