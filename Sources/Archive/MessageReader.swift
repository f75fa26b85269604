/// Reads stored messages back by content hash.
extension Vault {
    /// Streams the canonical bytes of a message to `consume` and checks them against the index.
    /// Throws if the member is damaged; `consume` may then have received part of it, so a caller
    /// that writes files writes to a temporary one first.
    public func readMessage(_ contentHash: String, consume: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let message = try index.message(contentHash) else {
            throw ArchiveError.notFound("no message with SHA-256 \(contentHash) in the vault")
        }
        guard let segment = try index.segment(id: message.segmentId) else {
            throw ArchiveError.corrupt("segment \(message.segmentId) of message \(contentHash) is not in the index")
        }
        let scanner = try MemberScanner(path: segmentPath(segment.name), limit: segment.length ?? segment.committedLength)
        let result = try withoutActuallyEscaping(consume) { try scanner.readMember(at: message.offset, consume: $0) }
        switch result {
        case .failure(let problem):
            throw ArchiveError.corrupt("message \(contentHash) in \(segment.name) at \(message.offset): \(problem.reason)")
        case .success(let member):
            guard member.computedHash == contentHash else {
                throw ArchiveError.corrupt("message \(contentHash) in \(segment.name) at \(message.offset): content does not match its SHA-256")
            }
        }
    }
}
