import GRDB

/// The index schema. A migration, once shipped, is never edited: add a new one.
enum IndexSchema {
    static var migrator: DatabaseMigrator {
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
        return migrator
    }
}
