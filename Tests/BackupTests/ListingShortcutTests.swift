import Archive
import Foundation
import POP3Core
import Testing
@testable import Backup

@Suite struct ListingShortcutTests {
    private let recorded = ListingSummary(digest: Data([1, 2, 3]), count: 3, size: 3000, duplicatedUIDLs: 1)

    /// The view is read at once without a complete listing, at STAT when STAT differs from it,
    /// and not before either is known.
    @Test func theViewIsReadAsSoonAsTheListingMayHaveChanged() {
        #expect(!ListingShortcut.readsViewNow(recorded: nil, stat: (3, 3000)))
        #expect(ListingShortcut.readsViewNow(recorded: .some(nil), stat: nil))
        #expect(!ListingShortcut.readsViewNow(recorded: .some(recorded), stat: nil))
        #expect(!ListingShortcut.readsViewNow(recorded: .some(recorded), stat: (3, 3000)))
        #expect(ListingShortcut.readsViewNow(recorded: .some(recorded), stat: (4, 3000)))
        #expect(ListingShortcut.readsViewNow(recorded: .some(recorded), stat: (3, 2999)))
    }

    @Test func onlyTheSameDigestAndStatAreRecognized() {
        let server = UIDLListing([(1, "a"), (2, "b"), (3, "b")])
        let digest = ListingShortcut.digest(of: server)
        var same = recorded
        same.digest = digest
        #expect(ListingShortcut.applies(recorded: same, stat: (3, 3000), listing: server, digest: digest))
        #expect(!ListingShortcut.applies(recorded: nil, stat: (3, 3000), listing: server, digest: digest))
        #expect(!ListingShortcut.applies(recorded: recorded, stat: (3, 3000), listing: server, digest: digest))
        #expect(!ListingShortcut.applies(recorded: same, stat: (3, 3001), listing: server, digest: digest))
        var rejecting = server
        rejecting.rejected = [RejectedListingLine(line: "4", reason: "no UIDL")]
        #expect(!ListingShortcut.applies(recorded: same, stat: (3, 3000), listing: rejecting, digest: digest))

        let plan = ListingShortcut.plan(recognized: server, recorded: same)
        #expect(plan.fetch.isEmpty && plan.skipped.isEmpty && plan.listingChanges == ListingChanges())
        #expect(plan.alreadyArchived == 3 && plan.duplicatedUIDLs == 1)
    }

    /// Any change of a number, an id, the order or where one id ends and the next begins
    /// changes the digest.
    @Test func theDigestTellsListingsApart() {
        let base = ListingShortcut.digest(of: UIDLListing([(1, "ab"), (2, "c")]))
        #expect(ListingShortcut.digest(of: UIDLListing([(1, "ab"), (2, "c")])) == base)
        #expect(base.count == 32)
        for other in [[(1, "a"), (2, "bc")], [(2, "c"), (1, "ab")], [(1, "ab"), (3, "c")], [(1, "ab"), (2, "d")],
                      [(1, "ab")], [(1, "ab"), (2, "c"), (3, "")]] {
            #expect(ListingShortcut.digest(of: UIDLListing(other)) != base, "\(other)")
        }
    }
}
