import Archive
import Crypto
import Foundation
import POP3Core

/// Whether a run can tell from the server's listing alone that it has nothing to fetch, and when
/// it has to read the index's view of the mailbox instead. Pure.
///
/// A run that left nothing behind leaves its listing in the index (`VaultIndex.completeListing`);
/// the index forgets it when an entry of the account is removed or changes. A later listing with
/// the same digest and the same STAT therefore lists only messages the vault holds, with the
/// server states the index has: nothing to fetch, nothing to record but the time. With nothing
/// new, reading and comparing the view (one row per archived message) cost 2–4 ms of a 50–65 ms
/// run on two cores where Dovecot needs the other one (docs/DECISIONS.md).
///
/// When the listing may have changed, the view is read as early as that is known, beside the
/// rest of the listing: at once when the index has no complete listing, when STAT's reply
/// differs from the recorded one otherwise (new mail), and only after the listing in the rare
/// case of the same STAT and another digest.
enum ListingShortcut {
    /// Whether to start reading the view now. `recorded`: the index's complete listing, once
    /// known (`.some(nil)`: none); `stat`: STAT's reply, once it came.
    static func readsViewNow(recorded: ListingSummary??, stat: (count: Int, size: Int)?) -> Bool {
        guard let recorded else { return false }
        guard let recorded else { return true }
        guard let stat else { return false }
        return stat.count != recorded.count || stat.size != recorded.size
    }

    /// Whether the listing is the recorded complete one, so that nothing needs fetching.
    static func applies(recorded: ListingSummary?, stat: (count: Int, size: Int), listing: UIDLListing,
                        digest: Data) -> Bool {
        guard let recorded, listing.rejected.isEmpty else { return false }
        return recorded.count == stat.count && recorded.size == stat.size && recorded.digest == digest
    }

    /// The plan of a listing recognized as complete: every listed message is archived.
    static func plan(recognized listing: UIDLListing, recorded: ListingSummary) -> FetchPlan {
        var plan = FetchPlan()
        plan.alreadyArchived = listing.count
        plan.duplicatedUIDLs = recorded.duplicatedUIDLs
        return plan
    }

    /// SHA-256 of the listing's message numbers, UIDL ends and UIDL bytes, which together say
    /// which id each number has, in order. The integers are hashed in the machine's byte order:
    /// a vault moved to a machine of the other order only loses the shortcut once.
    static func digest(of listing: UIDLListing) -> Data {
        var hasher = SHA256()
        withUnsafeBytes(of: listing.count) { hasher.update(bufferPointer: $0) }
        listing.numbers.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        listing.withUIDLs { bytes, ends in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(ends))
            hasher.update(bufferPointer: bytes)
        }
        return Data(hasher.finalize())
    }
}
