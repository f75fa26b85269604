import GRDB

/// A segment file: open while a writer appends to it, sealed with its length and SHA-256.
public struct SegmentRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "segment"
    public var id: Int64
    public var name: String
    /// "open" or "sealed".
    public var state: String
    /// Bytes covered by committed index rows; recovery starts reading here.
    public var committedLength: Int64
    public var length: Int64?
    public var sha256: String?
    public var createdAt: Int64
    public var sealedAt: Int64?
}

/// One stored message, by content: where its bytes are and what its header says.
public struct MessageRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "message"
    public var contentHash: String
    public var segmentId: Int64
    public var offset: Int64
    /// Length of the whole gzip member in the segment.
    public var memberLength: Int64
    public var canonicalLength: Int64
    public var archivedAt: Int64
    public var date: String?
    public var dateTime: Int64?
    public var fromAddress: String?
    public var toAddress: String?
    public var subject: String?
    public var messageId: String?

    init(contentHash: String, segmentId: Int64, offset: Int64, memberLength: Int64, canonicalLength: Int64,
         archivedAt: Int64, summary: HeaderSummary) {
        (self.contentHash, self.segmentId, self.offset, self.memberLength) = (contentHash, segmentId, offset, memberLength)
        (self.canonicalLength, self.archivedAt) = (canonicalLength, archivedAt)
        (date, dateTime, fromAddress, toAddress) = (summary.date, summary.dateTime.map(Int64.init), summary.from, summary.to)
        (subject, messageId) = (summary.subject, summary.messageID)
    }

    /// The Date header's time where it parsed, else the time the message was archived: the
    /// time restore filters by and gives a restored file.
    public var effectiveTime: Int64 { dateTime ?? archivedAt }
}

/// A message as a server listed it: (account, UIDL) → content. Duplicate UIDLs with different
/// content are separate rows; identical copies under one UIDL count in `copies`.
public struct MailboxEntryRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "mailboxEntry"
    public var accountId: String
    public var uidl: String
    public var contentHash: String
    public var copies: Int
    public var firstSeen: Int64
    /// While the entry is "present", the account's `lastListedAt` is when it was last seen; once
    /// "gone", this is the last listing that had it.
    public var lastSeenOnServer: Int64
    /// "present" while the server lists it, "gone" once a listing lacks it.
    public var serverState: String
}

public struct AccountRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "account"
    public var id: String
    public var name: String
    /// When the server's listing (UIDL) was last read for this account.
    public var lastListedAt: Int64? = nil
}

/// One account's part of one `popvault run`. Read as a record; written by `VaultIndex.record`.
public struct RunRecord: Codable, Sendable, FetchableRecord {
    public var id: Int64?
    public var accountId: String
    public var startedAt: Int64
    public var finishedAt: Int64?
    /// "ok", "partial" or "failed".
    public var result: String
    public var fetched: Int
    public var newMessages: Int
    public var bytes: Int64
    public var skipped: Int
    public var remapped: Int
    public var onServerCount: Int?
    public var onServerBytes: Int64?
    public var error: String?

    public init(accountId: String, startedAt: Int64) {
        self.accountId = accountId
        self.startedAt = startedAt
        result = "failed"
        fetched = 0
        newMessages = 0
        bytes = 0
        skipped = 0
        remapped = 0
    }
}
