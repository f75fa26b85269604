import Archive
import POP3Core
import TestSupport
import Testing
@testable import Backup

@Suite struct FetchPlannerTests {
    @Test func fetchesOnlyWhatTheVaultLacks() {
        let plan = FetchPlanner.plan(listing: UIDLListing([(1, "a"), (2, "b"), (3, "c")]), archived: ArchivedMailbox(copies: ["a": 1, "c": 1]),
                                     sizes: [:], maxMessageBytes: nil)
        #expect(plan.fetch.map(\.uidl) == ["b"])
        #expect(plan.alreadyArchived == 2)
    }

    @Test func duplicateUIDLsAreFetchedUntilEveryCopyIsArchived() {
        let server = UIDLListing([(1, "x"), (2, "x"), (3, "y")])
        #expect(FetchPlanner.plan(listing: server, archived: ArchivedMailbox(copies: [:]), sizes: [:], maxMessageBytes: nil).fetch.map(\.number) == [1, 2, 3])
        #expect(FetchPlanner.plan(listing: server, archived: ArchivedMailbox(copies: ["x": 1, "y": 1]), sizes: [:], maxMessageBytes: nil).fetch.map(\.number) == [1, 2])
        let done = FetchPlanner.plan(listing: server, archived: ArchivedMailbox(copies: ["x": 2, "y": 1]), sizes: [:], maxMessageBytes: nil)
        #expect(done.fetch.isEmpty && done.duplicatedUIDLs == 1)
    }

    @Test func oversizedAndUnusableAreSkippedAndListed() {
        var server = UIDLListing([(1, "a"), (2, "b")])
        server.rejected = [RejectedListingLine(line: "3 \\x01", reason: "control characters")]
        let plan = FetchPlanner.plan(listing: server, archived: ArchivedMailbox(copies: [:]), sizes: [1: 10, 2: 5000], maxMessageBytes: 1000)
        #expect(plan.fetch.map(\.uidl) == ["a"])
        #expect(plan.skipped.count == 2)
    }

    /// A few new messages among many get their sizes one by one; many, or most of the mailbox, one LIST.
    @Test func sizesOfAFewAreAskedOneByOne() {
        func plan(fetching count: Int) -> FetchPlan {
            FetchPlanner.plan(listing: UIDLListing((1...count).map { ($0, "u\($0)") }), archived: ArchivedMailbox(copies: [:]),
                              sizes: [:], maxMessageBytes: nil)
        }
        #expect(FetchPlanner.listsEachPlanned(plan(fetching: 100), onServer: 10_100))
        #expect(!FetchPlanner.listsEachPlanned(plan(fetching: 100), onServer: 700))
        #expect(!FetchPlanner.listsEachPlanned(plan(fetching: FetchPlanner.maximumListedEach + 1), onServer: 1_000_000))
    }

    /// The comparison that feeds the index: known UIDLs missing from the listing departed,
    /// UIDLs the last listing lacked and this one has returned; a known UIDL the listing has
    /// neither departs nor returns.
    @Test func listingChangesAreDeparturesAndReturns() {
        var archived = ArchivedMailbox()
        archived.add(uidl: "kept", copies: 1, gone: false)
        archived.add(uidl: "left", copies: 1, gone: false)
        archived.add(uidl: "back", copies: 1, gone: true)
        archived.add(uidl: "still-gone", copies: 1, gone: true)
        let plan = FetchPlanner.plan(listing: UIDLListing([(1, "kept"), (2, "back"), (3, "new")]), archived: archived)
        #expect(plan.listingChanges == ListingChanges(departed: ["left"], returned: ["back"]))
        #expect(plan.fetch.map(\.uidl) == ["new"] && plan.alreadyArchived == 2)
    }

    /// Index rows of one UIDL (one per distinct content) add up; it is gone only if all rows say so.
    @Test func rowsOfOneUIDLAddUp() {
        var archived = ArchivedMailbox()
        archived.add(uidl: "x", copies: 1, gone: true)
        archived.add(uidl: "x", copies: 1, gone: false)
        #expect(archived.count == 1 && archived.copies(of: "x") == 2 && archived.present == ["x"])
        let plan = FetchPlanner.plan(listing: UIDLListing([(1, "x"), (2, "x")]), archived: archived)
        #expect(plan.fetch.isEmpty && plan.duplicatedUIDLs == 1 && plan.listingChanges == ListingChanges())
    }

    /// Ids that differ in bytes but are equal as Swift strings (canonically equivalent) come
    /// from servers, not from us: comparing them must not trap, in either path.
    @Test func canonicallyEquivalentUIDLsDoNotTrap() {
        let decomposed = "e\u{301}", precomposed = "\u{E9}"
        var archived = ArchivedMailbox()
        for uidl in [decomposed, precomposed].sorted(by: { UIDLOrder.compare($0, $1) < 0 }) {
            archived.add(uidl: uidl, copies: 1, gone: false)
        }
        #expect(archived.count == 2 && archived.slotIndex().count == 1)
        let inOrder = UIDLListing([(1, decomposed), (2, precomposed)].sorted { UIDLOrder.compare($0.1, $1.1) < 0 })
        var reversed = inOrder
        reversed.entries.reverse()
        for server in [inOrder, reversed] {
            #expect(FetchPlanner.plan(listing: server, archived: archived).fetch.count <= 2)
        }
        var unordered = ArchivedMailbox()
        unordered.add(uidl: "z", copies: 1, gone: false)
        unordered.add(uidl: precomposed, copies: 1, gone: false)
        unordered.add(uidl: decomposed, copies: 1, gone: false)
        #expect(!unordered.isInUIDLOrder && unordered.copies(of: precomposed) == 2)
    }

    /// An id with bytes that are not UTF-8 is kept in the index as a string, with U+FFFD in
    /// their place. The listing must spell it the same way, or the message would be fetched
    /// again every night.
    @Test func anIdThatIsNotUTF8MatchesItsStoredForm() {
        let bytes: [UInt8] = Array("1 id-".utf8) + [0xFF, 0xFE] + Array("-end".utf8)
        var builder = UIDLListingBuilder()
        bytes.withUnsafeBytes { builder.add(line: $0) }
        let stored = String(decoding: bytes.dropFirst(2), as: UTF8.self)
        let plan = FetchPlanner.plan(listing: builder.listing, archived: ArchivedMailbox(copies: [stored: 1]))
        #expect(builder.listing.uidl(at: 0) == stored)
        #expect(plan.fetch.isEmpty && plan.alreadyArchived == 1)
    }

    /// The merge pass (listing and index both in UIDL order) and the hash lookups (anything
    /// else) decide alike, and as the rules say: random mailboxes with repeated UIDLs, gone
    /// entries and unknown ones, each listed in order and shuffled, against a plain model.
    @Test func mergeAndHashAgreeWithTheRules() {
        var random = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let universe = (0..<12).map { "u\($0)" } + ["ä", "é", "z"]
            var rows: [(uidl: String, copies: Int, gone: Bool)] = []
            for uidl in universe where Bool.random(using: &random) {
                for _ in 0..<Int.random(in: 1...2, using: &random) {
                    rows.append((uidl, Int.random(in: 1...2, using: &random), Bool.random(using: &random)))
                }
            }
            rows.sort { UIDLOrder.compare($0.uidl, $1.uidl) < 0 }
            var archived = ArchivedMailbox()
            for row in rows { archived.add(uidl: row.uidl, copies: row.copies, gone: row.gone) }
            let listed = (0..<Int.random(in: 0...20, using: &random)).map { _ in universe.randomElement(using: &random) ?? "u0" }
                .sorted { UIDLOrder.compare($0, $1) < 0 }
            var inOrder = UIDLListing()
            inOrder.entries = listed.enumerated().map { UIDLEntry(number: $0.offset + 1, uidl: $0.element) }
            var shuffled = inOrder
            shuffled.entries.shuffle(using: &random)

            var archivedCopies: [String: Int] = [:]
            var goneRows: [String: Bool] = [:]
            for row in rows {
                archivedCopies[row.uidl, default: 0] += row.copies
                goneRows[row.uidl] = (goneRows[row.uidl] ?? true) && row.gone
            }
            let times = Dictionary(listed.map { ($0, 1) }, uniquingKeysWith: +)
            let expectedFetch = Set(inOrder.entries.filter { archivedCopies[$0.uidl, default: 0] < times[$0.uidl, default: 0] }.map(\.number))
            let knownInOrder = archived.uidls
            let expectedChanges = ListingChanges(departed: knownInOrder.filter { times[$0] == nil && goneRows[$0] == false },
                                                 returned: knownInOrder.filter { times[$0] != nil && goneRows[$0] == true })
            for listing in [inOrder, shuffled] {
                let plan = FetchPlanner.plan(listing: listing, archived: archived)
                #expect(Set(plan.fetch.map(\.number)) == expectedFetch)
                #expect(plan.alreadyArchived == listed.count - expectedFetch.count)
                #expect(plan.duplicatedUIDLs == times.values.filter { $0 > 1 }.count)
                #expect(plan.listingChanges == expectedChanges)
            }
        }
    }
}
