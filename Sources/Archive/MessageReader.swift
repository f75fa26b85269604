/// Reads stored messages back, checked: each is inflated, CRC-checked and re-hashed against
/// the index as it streams out. Keeps a segment open between messages, so that reading
/// thousands in segment order (restore, export) opens each file once.
public final class MessageReader {
    private let vault: Vault
    private let segments: [Int64: SegmentRecord]
    private var open: (id: Int64, scanner: MemberScanner)?

    public init(vault: Vault) throws {
        self.vault = vault
        segments = Dictionary(try vault.index.segments().map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Streams the canonical bytes of `message` to `consume`. Throws if the member is damaged;
    /// `consume` may then have received part of it, so a caller that writes files writes to a
    /// temporary one first.
    public func read(_ message: MessageRecord, consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        let contentHash = message.contentHash
        guard let segment = segments[message.segmentId] else {
            throw ArchiveError.corrupt("segment \(message.segmentId) of message \(contentHash) is not in the index")
        }
        let scanner: MemberScanner
        if let open, open.id == segment.id {
            scanner = open.scanner
        } else {
            scanner = try MemberScanner(path: vault.segmentPath(segment.name), limit: segment.length ?? segment.committedLength)
            open = (segment.id, scanner)
        }
        let result = try withoutActuallyEscaping(consume) {
            try scanner.readMember(at: message.offset, expectedLength: message.canonicalLength, consume: $0)
        }
        switch result {
        case .failure(let problem):
            throw ArchiveError.corrupt("message \(contentHash) in \(segment.name) at offset \(message.offset): \(problem.reason)")
        case .success(let member):
            guard member.computedHash == contentHash, member.metadata.contentHash == contentHash else {
                throw ArchiveError.corrupt("message \(contentHash) in \(segment.name) at offset \(message.offset): content does not match its SHA-256")
            }
        }
    }
}

extension Vault {
    /// Streams the canonical bytes of the message with this content hash (see `MessageReader`).
    public func readMessage(_ contentHash: String, consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let message = try index.message(contentHash) else {
            throw ArchiveError.notFound("no message with SHA-256 \(contentHash) in the vault")
        }
        try MessageReader(vault: self).read(message, consume: consume)
    }
}
