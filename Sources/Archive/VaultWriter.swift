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

/// A stream of messages into the vault: one per backup session, each appending to a segment
/// file of its own (`VaultWriter.openStream`).
public struct StreamID: Hashable, Sendable {
    let value: Int
}

/// Writes messages into the vault for every session of a run and indexes them in batches.
///
/// Each session writes through a stream of its own (a segment file, one member at a time);
/// the batch, the deduplication and the commits are shared. So content that two sessions store
/// at the same moment is stored once (the second finds it in the batch and records a mapping),
/// and no session ever waits for another's commit: one commit covers them all.
///
/// Write ordering (invariant 1): every segment with bytes in the batch is fsynced, and only
/// then does one index transaction commit the batch. A writer and its streams are used from
/// one thread (a run's `VaultWriterThread`, or a test's).
public final class VaultWriter {
    private let vault: Vault
    private var streams: [StreamID: SegmentStream] = [:]
    private var nextStream = 0
    private var pending: [PendingEntry] = []
    /// Content stored in the uncommitted batch, and the mappings recorded in it.
    private var pendingContent: Set<String> = []
    private var pendingMappings: Set<String> = []
    private var pendingBytes = 0
    private var batchStarted = Date()
    private var accountNames: [String: String] = [:]
    /// How often this writer has seen each (account, UIDL, content): identical copies under one UIDL.
    private var copiesSeen: [String: Int] = [:]
    /// Set when a commit failed: the batch's state is unknown, so nothing more is written.
    private var failure: Error?

    init(vault: Vault) {
        self.vault = vault
    }

    public func register(account id: String, name: String) { accountNames[id] = name }

    public func openStream() throws -> StreamID {
        let id = StreamID(value: nextStream)
        nextStream += 1
        streams[id] = try SegmentStream(compressionLevel: vault.settings.compressionLevel)
        return id
    }

    /// Starts a message of `account` listed under `uidl`. With `hashedByCaller` the writer does
    /// not hash the message: the caller hashes exactly what it writes and hands the hash to
    /// `finishMessage(_:contentHash:)` (a session does, while the bytes are in its cache).
    public func beginMessage(_ stream: StreamID, account: String, uidl: String, archivedAt: Date = Date(),
                             hashedByCaller: Bool = false) throws {
        try ready()
        try self.stream(stream).begin(account: account, uidl: uidl, time: Int(archivedAt.timeIntervalSince1970),
                                      hashedByCaller: hashedByCaller, opening: openSegment)
    }

    public func write(_ stream: StreamID, _ bytes: UnsafeRawBufferPointer) throws {
        try ready()
        try self.stream(stream).write(bytes)
    }

    /// Ends the message. Known content (in the index, or stored in this batch by any stream)
    /// is not stored twice: its member is cut off again and, if the (account, UIDL) is new, an
    /// empty mapping member takes its place.
    public func finishMessage(_ id: StreamID, contentHash: String? = nil) throws -> StoreOutcome {
        try ready()
        let stream = try self.stream(id)
        let (metadata, account, uidl, time) = try stream.finish(contentHash: contentHash)
        guard let segment = stream.segment else { throw ArchiveError.io("finishMessage without a segment") }
        let hash = metadata.contentHash
        let mappingKey = "\(account)\u{0}\(uidl)\u{0}\(hash)"
        copiesSeen[mappingKey, default: 0] += 1
        var entry = PendingEntry(account: account, uidl: uidl, contentHash: hash, message: nil, searchBody: nil,
                                 copies: copiesSeen[mappingKey] ?? 1, seenAt: Int64(time))
        let outcome: StoreOutcome
        if try pendingContent.contains(hash) || vault.index.hasMessage(hash) {
            try stream.cutLastMember()
            if try pendingMappings.contains(mappingKey) || vault.index.hasMapping(account: account, uidl: uidl, contentHash: hash) {
                outcome = .alreadyArchived(contentHash: hash)
            } else {
                var mapping = metadata
                mapping.kind = .map
                try stream.encoder.writeMapping(mapping, in: segment)
                outcome = .mapped(contentHash: hash)
            }
        } else {
            let summary = HeaderSummary.parse(stream.encoder.prefix)
            entry.message = MessageRecord(contentHash: hash, segmentId: segment.id, offset: stream.encoder.start,
                                          memberLength: segment.length - stream.encoder.start,
                                          canonicalLength: Int64(metadata.canonicalLength), archivedAt: Int64(time),
                                          summary: summary)
            entry.searchBody = summary.body
            pendingContent.insert(hash)
            pendingBytes += metadata.canonicalLength
            outcome = .stored(contentHash: hash)
        }
        pending.append(entry)
        pendingMappings.insert(mappingKey)
        segment.settle()
        if segment.length >= vault.settings.segmentSizeLimit {
            try commit()
            try seal(stream)
        }
        return outcome
    }

    /// Drops the message being written (the connection broke, or the server refused it).
    public func abandonMessage(_ stream: StreamID) throws {
        try streams[stream]?.abandon()
    }

    /// Whether the batch has reached its size, count or age limit.
    public var shouldCommit: Bool {
        pending.count >= vault.settings.batchMessages || pendingBytes >= vault.settings.batchBytes
            || (!pending.isEmpty && Date().timeIntervalSince(batchStarted) >= vault.settings.batchSeconds)
    }

    /// Makes the batch durable: fsync every segment, then commit the index rows (invariant 1).
    public func commit() throws {
        try ready()
        do {
            var lengths: [CommittedLength] = []
            for stream in streams.values {
                guard let segment = stream.segment, let length = stream.committableLength else { continue }
                try segment.sync()
                lengths.append(CommittedLength(segmentId: segment.id, length: length))
            }
            if !pending.isEmpty || !lengths.isEmpty {
                try vault.index.commit(pending, accountNames: accountNames, committedLengths: lengths)
            }
        } catch {
            failure = error
            throw error
        }
        pending.removeAll(keepingCapacity: true)
        pendingContent.removeAll(keepingCapacity: true)
        pendingMappings.removeAll(keepingCapacity: true)
        pendingBytes = 0
        batchStarted = Date()
    }

    /// Ends a stream: drops a message left unfinished, commits the batch and seals its segment.
    public func closeStream(_ id: StreamID) throws {
        guard let stream = streams[id] else { return }
        try stream.abandon()
        try commit()
        try seal(stream)
        streams[id] = nil
    }

    /// Ends every stream and commits (the end of a run). The writer is not used afterwards.
    public func close() throws {
        for id in Array(streams.keys) { try closeStream(id) }
        try commit()
    }

    private func stream(_ id: StreamID) throws -> SegmentStream {
        guard let stream = streams[id] else { throw ArchiveError.io("the vault writer's stream \(id.value) is closed") }
        return stream
    }

    private func ready() throws {
        if let failure { throw failure }
    }

    private func openSegment() throws -> SegmentFile {
        let existing = try FileSafety.names(in: vault.segmentsDirectory)
        let (id, _) = try vault.index.registerNextSegment(now: Int64(Date().timeIntervalSince1970), existing: existing)
        return try SegmentFile(id: id, directory: vault.segmentsDirectory)
    }

    private func seal(_ stream: SegmentStream) throws {
        guard let segment = stream.takeSegment() else { return }
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

extension VaultWriter {
    /// Stores a whole message held in memory, handed over in pieces as a session would, and
    /// commits if the batch is due (the lab's benchmarks and crash tests, and the tests).
    @discardableResult
    public func store(_ message: [UInt8], in stream: StreamID, account: String, uidl: String,
                      pieceSize: Int = 64 * 1024) throws -> StoreOutcome {
        try beginMessage(stream, account: account, uidl: uidl)
        try message.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let end = min(raw.count, offset + max(1, pieceSize))
                try write(stream, UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                offset = end
            }
        }
        let outcome = try finishMessage(stream)
        if shouldCommit { try commit() }
        return outcome
    }
}
