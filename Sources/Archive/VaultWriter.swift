import Foundation

/// What became of a message handed to the vault.
public enum StoreOutcome: Sendable, Equatable {
    /// New content, stored.
    case stored(contentHash: String)
    /// Known content under a new UIDL or account: only a mapping was recorded.
    case mapped(contentHash: String)
    /// This exact (account, UIDL, content) was already archived.
    case alreadyArchived(contentHash: String)

    public var contentHash: String {
        switch self {
        case .stored(let h), .mapped(let h), .alreadyArchived(let h): return h
        }
    }
}

/// Appends messages to a segment of its own and indexes them in batches. Write ordering
/// (invariant 1): a batch's members are appended, the segment is fsynced, and only then does
/// one index transaction commit the batch. One writer per account session; not thread-safe.
public final class VaultWriter {
    private let vault: Vault
    private var segment: SegmentFile?
    private let encoder: MemberEncoder
    private var pending: [PendingEntry] = []
    /// Content hashes stored in the uncommitted batch, and mappings recorded in it.
    private var pendingHashes: Set<String> = []
    private var pendingMappings: Set<String> = []
    private var pendingBytes = 0
    private var batchStarted = Date()
    private var accountNames: [String: String] = [:]
    private var current: (account: String, uidl: String, time: Int)?
    /// How often this session has seen each (account, UIDL, content): identical copies under one UIDL.
    private var sessionCopies: [String: Int] = [:]
    /// Mappings whose content another writer is storing; indexed once that writer has committed.
    private var deferred: [PendingEntry] = []
    /// Mappings that could not be indexed because the writer storing their content failed.
    public private(set) var droppedMappings: [(account: String, uidl: String)] = []
    private var identity: ObjectIdentifier { ObjectIdentifier(self) }

    init(vault: Vault) throws {
        self.vault = vault
        encoder = try MemberEncoder(level: vault.settings.compressionLevel)
    }

    public func register(account id: String, name: String) { accountNames[id] = name }

    /// Starts a message of `account` listed under `uidl`. With `hashedByCaller` the writer does
    /// not hash the message's bytes: the caller hashes exactly what it writes and hands the hash
    /// to `finishMessage(contentHash:)` (`BackgroundVaultWriter` does, on the receiving thread).
    public func beginMessage(account: String, uidl: String, archivedAt: Date = Date(), hashedByCaller: Bool = false) throws {
        let segment = try openSegment()
        let time = Int(archivedAt.timeIntervalSince1970)
        current = (account, uidl, time)
        try encoder.begin(in: segment, account: account, uidl: uidl, archivedAt: time, hashedByCaller: hashedByCaller)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let segment, current != nil else { throw ArchiveError.io("write without beginMessage") }
        try encoder.write(bytes, in: segment)
    }

    /// Ends the message. Known content is not stored twice: its member is cut off again and,
    /// if the (account, UIDL) is new, an empty mapping member takes its place.
    public func finishMessage(contentHash: String? = nil) throws -> StoreOutcome {
        guard let segment, let current else { throw ArchiveError.io("finishMessage without beginMessage") }
        self.current = nil
        let metadata: MemberMetadata
        do {
            metadata = try encoder.finish(in: segment, contentHash: contentHash)
        } catch {
            // The unfinished member goes, as with `abandonMessage`; the error is the one to report.
            try? segment.truncate(to: encoder.start)
            throw error
        }
        let hash = metadata.contentHash
        let mappingKey = "\(current.account)\u{0}\(current.uidl)\u{0}\(hash)"
        sessionCopies[mappingKey, default: 0] += 1
        let entry = PendingEntry(account: current.account, uidl: current.uidl, contentHash: hash, message: nil,
                                 copies: sessionCopies[mappingKey] ?? 1, seenAt: Int64(current.time))
        let outcome: StoreOutcome
        let knownContent = try pendingHashes.contains(hash) || !claimUnindexed(hash)
        if knownContent {
            try segment.truncate(to: encoder.start)
            let knownMapping = try pendingMappings.contains(mappingKey)
                || vault.index.hasMapping(account: current.account, uidl: current.uidl, contentHash: hash)
            if knownMapping {
                outcome = .alreadyArchived(contentHash: hash)
            } else {
                var mapping = metadata
                mapping.kind = .map
                try encoder.writeMapping(mapping, in: segment)
                outcome = .mapped(contentHash: hash)
            }
            pending.append(entry)
        } else {
            let summary = HeaderSummary.parse(encoder.prefix)
            var stored = entry
            stored.message = MessageRecord(contentHash: hash, segmentId: segment.id, offset: encoder.start,
                                           memberLength: segment.length - encoder.start, canonicalLength: Int64(metadata.canonicalLength),
                                           archivedAt: Int64(current.time), date: summary.date, dateTime: summary.dateTime.map(Int64.init),
                                           fromAddress: summary.from, toAddress: summary.to, subject: summary.subject,
                                           messageId: summary.messageID)
            pending.append(stored)
            pendingHashes.insert(hash)
            pendingBytes += metadata.canonicalLength
            outcome = .stored(contentHash: hash)
        }
        pendingMappings.insert(mappingKey)
        segment.settle()
        if segment.length >= vault.settings.segmentSizeLimit {
            try commit()
            try sealSegment()
        }
        return outcome
    }

    /// Claims new content for this writer: true when no other writer holds it and the index does
    /// not have it yet. The claim comes first and the index second, because a claim is released
    /// only after its holder's commit: checking the other way round, content committed in
    /// between would be missed and stored twice.
    private func claimUnindexed(_ hash: String) throws -> Bool {
        guard vault.claims.claim(hash, for: identity) else { return false }
        if try vault.index.hasMessage(hash) {
            vault.claims.release([hash], for: identity)
            return false
        }
        return true
    }

    /// Drops the message being written (the connection broke, or the server refused it).
    public func abandonMessage() throws {
        guard let segment, current != nil else { return }
        current = nil
        try segment.truncate(to: encoder.start)
    }

    /// Whether the batch has reached its size, count or age limit.
    public var shouldCommit: Bool {
        pending.count >= vault.settings.batchMessages || pendingBytes >= vault.settings.batchBytes
            || (!pending.isEmpty && Date().timeIntervalSince(batchStarted) >= vault.settings.batchSeconds)
    }

    public var uncommittedCount: Int { pending.count }

    /// Makes the batch durable: fsync the segment, then commit the index rows (invariant 1).
    /// A mapping whose content another writer has not committed yet stays pending.
    public func commit() throws {
        guard current == nil else { throw ArchiveError.io("commit in the middle of a message") }
        // Claims go even if the commit fails, so that no other writer waits for them forever; the
        // entries of a failed batch are not indexed, and the next run fetches those messages again.
        defer {
            vault.claims.release(pendingHashes, for: identity)
            pending.removeAll(keepingCapacity: true)
            pendingHashes.removeAll(keepingCapacity: true)
            pendingMappings.removeAll(keepingCapacity: true)
            pendingBytes = 0
            batchStarted = Date()
        }
        if let segment { try segment.sync() }
        var ready: [PendingEntry] = []
        var waiting: [PendingEntry] = []
        for entry in deferred + pending {
            // The claim is asked first: its holder releases it only after its own commit, so a
            // claim found gone means the content is in the index now, unless that commit failed.
            if entry.message != nil || pendingHashes.contains(entry.contentHash) {
                ready.append(entry)
            } else if vault.claims.isClaimedByOther(entry.contentHash, than: identity) {
                waiting.append(entry)
            } else if try vault.index.hasMessage(entry.contentHash) {
                ready.append(entry)
            } else {
                droppedMappings.append((entry.account, entry.uidl))
            }
        }
        deferred = waiting
        if !ready.isEmpty {
            try vault.index.commit(ready, accountNames: accountNames, segmentId: segment?.id, committedLength: segment?.length ?? 0)
        }
    }

    /// Commits what is pending and seals the segment (end of run). Waits for other writers of this
    /// process to commit content that this one's mappings refer to.
    public func close() throws {
        if current != nil { try abandonMessage() }
        try commit()
        while !deferred.isEmpty {
            usleep(50_000)
            try commit()
        }
        try sealSegment()
    }

    private func openSegment() throws -> SegmentFile {
        if let segment { return segment }
        let (id, _) = try vault.index.registerNextSegment(now: Int64(Date().timeIntervalSince1970), name: SegmentFile.name(for:))
        let segment = try SegmentFile(id: id, directory: vault.segmentsDirectory)
        self.segment = segment
        batchStarted = Date()
        return segment
    }

    private func sealSegment() throws {
        guard let segment else { return }
        self.segment = nil
        try segment.sync()
        segment.settle()
        try SegmentSealer.seal(id: segment.id, path: segment.path, length: segment.length, sha256: segment.settledSHA256,
                               index: vault.index)
    }
}

/// Seals a segment: records its length and SHA-256, or removes it if nothing was kept in it.
/// Without `sha256` (worked out while it was written), the file is read back for it.
enum SegmentSealer {
    static func seal(id: Int64, path: String, length: Int64, sha256: String? = nil, index: VaultIndex) throws {
        let now = Int64(Date().timeIntervalSince1970)
        if length == 0 {
            unlink(path)
            try index.deleteSegment(id: id)
            return
        }
        let digest = try sha256 ?? FileDigest.sha256(path: path, length: length)
        try index.sealSegment(id: id, length: length, sha256: digest, now: now)
    }
}
