import Foundation

/// What it takes to recognize a server's listing again: its digest (`ListingShortcut.digest` in Backup)
/// and STAT's reply when it was read. The index keeps the last one a run archived completely
/// (`VaultIndex.completeListing`), so that the next run, listed the same, knows it has nothing
/// to fetch without reading the index's view of the mailbox.
public struct ListingSummary: Sendable, Equatable {
    /// SHA-256 of the message numbers and UIDLs, in the order listed.
    public var digest: Data
    /// STAT's message count and size.
    public var count: Int
    public var size: Int
    /// UIDLs the listing had more than once (reported again when the listing is recognized).
    public var duplicatedUIDLs: Int

    public init(digest: Data, count: Int, size: Int, duplicatedUIDLs: Int) {
        (self.digest, self.count, self.size, self.duplicatedUIDLs) = (digest, count, size, duplicatedUIDLs)
    }
}
