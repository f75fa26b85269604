import Foundation

/// One stream of messages into a segment file of its own: a member at a time, appended as the
/// bytes arrive. A `VaultWriter` keeps one per session and decides what each finished member
/// becomes; this holds the segment, the encoder and the message in progress.
final class SegmentStream {
    private(set) var segment: SegmentFile?
    let encoder: MemberEncoder
    /// The message being written: its account, UIDL and archive time.
    private(set) var current: (account: String, uidl: String, time: Int)?

    init(compressionLevel: Int32) throws {
        encoder = try MemberEncoder(level: compressionLevel)
    }

    /// Where this stream's committed bytes may end now: the whole segment between messages,
    /// the start of the member being written otherwise.
    var committableLength: Int64? {
        guard let segment else { return nil }
        return current == nil ? segment.length : encoder.start
    }

    func begin(account: String, uidl: String, time: Int, hashedByCaller: Bool, opening: () throws -> SegmentFile) throws {
        if current != nil { try abandon() }
        let segment = try self.segment ?? opening()
        self.segment = segment
        try encoder.begin(in: segment, account: account, uidl: uidl, archivedAt: time, hashedByCaller: hashedByCaller)
        current = (account, uidl, time)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard let segment, current != nil else { throw ArchiveError.io("write without beginMessage") }
        try encoder.write(bytes, in: segment)
    }

    /// Ends the member and returns its metadata, or cuts it off again if that fails.
    func finish(contentHash: String?) throws -> (metadata: MemberMetadata, account: String, uidl: String, time: Int) {
        guard let segment, let current else { throw ArchiveError.io("finishMessage without beginMessage") }
        self.current = nil
        do {
            let metadata = try encoder.finish(in: segment, contentHash: contentHash)
            return (metadata, current.account, current.uidl, current.time)
        } catch {
            try? segment.truncate(to: encoder.start)
            throw error
        }
    }

    /// Cuts the member just finished off the segment (its content was known already).
    func cutLastMember() throws {
        try segment?.truncate(to: encoder.start)
    }

    /// Drops the message being written, if any.
    func abandon() throws {
        guard let segment, current != nil else { return }
        current = nil
        try segment.truncate(to: encoder.start)
    }

    /// Gives up the segment (to be sealed by the caller); the next message opens a new one.
    func takeSegment() -> SegmentFile? {
        defer { segment = nil }
        return segment
    }
}
