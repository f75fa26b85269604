import Archive
import POP3Core

/// One server message to retrieve.
public struct PlannedFetch: Sendable, Equatable {
    public let number: Int
    public let uidl: String
    public let sizeHint: Int?
}

/// A message left behind, and why. A run that leaves any behind is "partial", never "ok".
public struct SkippedMessage: Sendable, Equatable, Codable {
    public let uidl: String
    public let reason: String
}

/// What to do with a server's listing.
public struct FetchPlan: Sendable, Equatable {
    public var fetch: [PlannedFetch] = []
    /// Listed messages already in the vault.
    public var alreadyArchived = 0
    public var skipped: [SkippedMessage] = []
    /// UIDLs the server listed more than once (RFC 1939 allows identical copies to share one).
    public var duplicatedUIDLs = 0
    /// What the listing changes in the index's record of the server mailbox.
    public var listingChanges = ListingChanges()
    /// LIST's sizes of the messages to fetch, added up (clamped: a server names the sizes).
    public var bytesToFetch: Int { fetch.reduce(0) { $0.addingClamped($1.sizeHint ?? 0) } }
}

/// Decides which messages to retrieve. Pure: the listing, what the vault holds, the limits in,
/// a plan out.
///
/// A UIDL listed once is fetched unless the vault has it. A UIDL listed n times is fetched —
/// every copy — until the vault holds n copies of it, so two different messages sharing a
/// UIDL are never conflated: the content hash tells them apart.
public enum FetchPlanner {
    /// The plan from the UIDL listing alone. A run with nothing new ends here, without LIST.
    ///
    /// Each listed UIDL is matched with its slot in the archived mailbox, and the rest is
    /// counted in arrays under the slot numbers. When both sides are in `UIDLOrder` (the index's
    /// always is; Dovecot's listings are) the matching is one merge pass without hashing, which
    /// keeps comparing tens of thousands of messages a small part of a run with nothing to
    /// fetch; otherwise it is one hash lookup per listed UIDL.
    public static func plan(listing: UIDLListing, archived: ArchivedMailbox) -> FetchPlan {
        var plan = FetchPlan()
        let slotOfEntry = archived.isInUIDLOrder && isInUIDLOrder(listing)
            ? mergedSlots(listing, archived) : hashedSlots(listing, archived)
        var timesListed = [Int](repeating: 0, count: archived.count)
        var unknownTimesListed: [String: Int] = [:]
        for position in 0..<listing.count {
            if let slot = slotOfEntry[position] {
                timesListed[slot] += 1
            } else {
                unknownTimesListed[listing.uidl(at: position), default: 0] += 1
            }
        }
        plan.duplicatedUIDLs = timesListed.lazy.filter { $0 > 1 }.count + unknownTimesListed.values.lazy.filter { $0 > 1 }.count
        for position in 0..<listing.count {
            if let slot = slotOfEntry[position], archived.copies[slot] >= timesListed[slot] {
                plan.alreadyArchived += 1
            } else {
                plan.fetch.append(PlannedFetch(number: listing.numbers[position], uidl: listing.uidl(at: position), sizeHint: nil))
            }
        }
        for slot in 0..<archived.count {
            if timesListed[slot] == 0 {
                if !archived.isGone[slot] { plan.listingChanges.departed.append(archived.uidl(at: slot)) }
            } else if archived.isGone[slot] {
                plan.listingChanges.returned.append(archived.uidl(at: slot))
            }
        }
        for rejected in listing.rejected {
            plan.skipped.append(SkippedMessage(uidl: rejected.line, reason: "unusable UIDL line: \(rejected.reason)"))
        }
        return plan
    }

    private static func isInUIDLOrder(_ listing: UIDLListing) -> Bool {
        listing.withUIDLs { bytes, ends in
            (1..<max(1, ends.count)).allSatisfy {
                UIDLOrder.compare(UIDLListing.slice(bytes, ends, $0 - 1), UIDLListing.slice(bytes, ends, $0)) <= 0
            }
        }
    }

    /// The archived slot of each listed UIDL, both sides in `UIDLOrder`: their packed bytes are
    /// compared in place.
    private static func mergedSlots(_ listing: UIDLListing, _ archived: ArchivedMailbox) -> [Int?] {
        listing.withUIDLs { listed, listedEnds in
            archived.withUIDLs { known, knownEnds in
                var slots = [Int?](repeating: nil, count: listedEnds.count)
                var slot = 0
                for position in 0..<listedEnds.count {
                    let uidl = UIDLListing.slice(listed, listedEnds, position)
                    var order = -1
                    while slot < knownEnds.count {
                        order = UIDLOrder.compare(ArchivedMailbox.slice(known, knownEnds, slot), uidl)
                        if order >= 0 { break }
                        slot += 1
                    }
                    if order == 0 { slots[position] = slot }
                }
                return slots
            }
        }
    }

    /// The archived slot of each listed UIDL, by hash lookup.
    private static func hashedSlots(_ listing: UIDLListing, _ archived: ArchivedMailbox) -> [Int?] {
        let index = archived.slotIndex()
        return (0..<listing.count).map { index[listing.uidl(at: $0)] }
    }

    /// Whether to ask the sizes of the planned messages one by one (`LIST n`, pipelined) rather
    /// than LIST the whole mailbox: when they are at most an eighth of it, and at most
    /// `maximumListedEach`. A nightly run fetches a few new messages out of thousands, and
    /// needs only their sizes.
    public static func listsEachPlanned(_ plan: FetchPlan, onServer: Int) -> Bool {
        plan.fetch.count <= maximumListedEach && plan.fetch.count * 8 <= onServer
    }

    /// The `LIST n` commands go out in one write before any reply is read. Kept to a few tens of
    /// kilobytes each way, far below the socket buffers, the server can never stall on replies
    /// not yet read while that write waits for it.
    static let maximumListedEach = 2_000

    /// Adds LIST's sizes to the messages to fetch and leaves out those over the size limit.
    public static func limit(_ plan: FetchPlan, sizes: [Int: Int], maxMessageBytes: Int?) -> FetchPlan {
        var limited = plan
        limited.fetch = []
        for fetch in plan.fetch {
            let size = sizes[fetch.number]
            if let limit = maxMessageBytes, let size, size > limit {
                limited.skipped.append(SkippedMessage(uidl: fetch.uidl, reason: "\(size) bytes is over max_message_size (\(limit))"))
                continue
            }
            limited.fetch.append(PlannedFetch(number: fetch.number, uidl: fetch.uidl, sizeHint: size))
        }
        return limited
    }

    /// Both steps at once.
    public static func plan(listing: UIDLListing, archived: ArchivedMailbox, sizes: [Int: Int],
                            maxMessageBytes: Int?) -> FetchPlan {
        limit(plan(listing: listing, archived: archived), sizes: sizes, maxMessageBytes: maxMessageBytes)
    }
}

extension Int {
    /// `self + other`, or `Int.max` (or `.min`) where that would overflow: for sums of
    /// numbers a server or a file chose.
    public func addingClamped(_ other: Int) -> Int {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
