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
    public var bytesToFetch: Int { fetch.reduce(0) { $0 + ($1.sizeHint ?? 0) } }
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
    /// One hash lookup per listed UIDL: the rest is counted in arrays under the archived
    /// mailbox's slot numbers (see `ArchivedMailbox`), so that comparing a mailbox of tens of
    /// thousands of messages stays a small part of a run with nothing to fetch.
    public static func plan(listing: UIDLListing, archived: ArchivedMailbox) -> FetchPlan {
        var plan = FetchPlan()
        var timesListed = [Int](repeating: 0, count: archived.count)
        var slotOfEntry = [Int](repeating: -1, count: listing.entries.count)
        var unknownTimesListed: [String: Int] = [:]
        for (position, entry) in listing.entries.enumerated() {
            if let slot = archived.slot(of: entry.uidl) {
                timesListed[slot] += 1
                slotOfEntry[position] = slot
            } else {
                unknownTimesListed[entry.uidl, default: 0] += 1
            }
        }
        plan.duplicatedUIDLs = timesListed.lazy.filter { $0 > 1 }.count + unknownTimesListed.values.lazy.filter { $0 > 1 }.count
        for (position, entry) in listing.entries.enumerated() {
            let slot = slotOfEntry[position]
            if slot >= 0 && archived.copies[slot] >= timesListed[slot] {
                plan.alreadyArchived += 1
            } else {
                plan.fetch.append(PlannedFetch(number: entry.number, uidl: entry.uidl, sizeHint: nil))
            }
        }
        for slot in 0..<archived.count {
            if timesListed[slot] == 0 {
                if !archived.isGone[slot] { plan.listingChanges.departed.append(archived.uidls[slot]) }
            } else if archived.isGone[slot] {
                plan.listingChanges.returned.append(archived.uidls[slot])
            }
        }
        for rejected in listing.rejected {
            plan.skipped.append(SkippedMessage(uidl: rejected.line, reason: "unusable UIDL line: \(rejected.reason)"))
        }
        return plan
    }

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
