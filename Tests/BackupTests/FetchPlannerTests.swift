import POP3Core
import Testing
@testable import Backup

@Suite struct FetchPlannerTests {
    private func listing(_ pairs: [(Int, String)]) -> UIDLListing {
        var listing = UIDLListing()
        listing.entries = pairs.map { UIDLEntry(number: $0.0, uidl: $0.1) }
        return listing
    }

    @Test func fetchesOnlyWhatTheVaultLacks() {
        let plan = FetchPlanner.plan(listing: listing([(1, "a"), (2, "b"), (3, "c")]), archivedCopies: ["a": 1, "c": 1],
                                     sizes: [:], maxMessageBytes: nil)
        #expect(plan.fetch.map(\.uidl) == ["b"])
        #expect(plan.alreadyArchived == 2)
    }

    @Test func duplicateUIDLsAreFetchedUntilEveryCopyIsArchived() {
        let server = listing([(1, "x"), (2, "x"), (3, "y")])
        #expect(FetchPlanner.plan(listing: server, archivedCopies: [:], sizes: [:], maxMessageBytes: nil).fetch.map(\.number) == [1, 2, 3])
        #expect(FetchPlanner.plan(listing: server, archivedCopies: ["x": 1, "y": 1], sizes: [:], maxMessageBytes: nil).fetch.map(\.number) == [1, 2])
        let done = FetchPlanner.plan(listing: server, archivedCopies: ["x": 2, "y": 1], sizes: [:], maxMessageBytes: nil)
        #expect(done.fetch.isEmpty && done.duplicatedUIDLs == 1)
    }

    @Test func oversizedAndUnusableAreSkippedAndListed() {
        var server = listing([(1, "a"), (2, "b")])
        server.rejected = [RejectedListingLine(line: "3 \\x01", reason: "control characters")]
        let plan = FetchPlanner.plan(listing: server, archivedCopies: [:], sizes: [1: 10, 2: 5000], maxMessageBytes: 1000)
        #expect(plan.fetch.map(\.uidl) == ["a"])
        #expect(plan.skipped.count == 2)
    }
}
