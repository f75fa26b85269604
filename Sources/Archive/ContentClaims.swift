import Synchronization

/// Content hashes that a live writer of this process has stored but not yet committed. Another
/// writer meeting the same content (the same message in two accounts fetched in parallel)
/// records only a mapping, and indexes it once the claimant has committed the bytes — so
/// parallel sessions never store one message twice.
final class ContentClaims: Sendable {
    private let owners = Mutex<[String: ObjectIdentifier]>([:])

    /// Claims `hash` for `writer`; false if another writer holds it.
    func claim(_ hash: String, for writer: ObjectIdentifier) -> Bool {
        owners.withLock { owners in
            if let owner = owners[hash] { return owner == writer }
            owners[hash] = writer
            return true
        }
    }

    func isClaimedByOther(_ hash: String, than writer: ObjectIdentifier) -> Bool {
        owners.withLock { owners in owners[hash].map { $0 != writer } ?? false }
    }

    func release(_ hashes: some Sequence<String>, for writer: ObjectIdentifier) {
        owners.withLock { owners in
            for hash in hashes where owners[hash] == writer { owners[hash] = nil }
        }
    }
}
