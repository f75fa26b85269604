/// What the index holds of one account's server mailbox (`VaultIndex.archivedMailbox`).
///
/// Each UIDL has a slot number, its position in `uidls`, and the facts about it sit in arrays
/// under that number. The index hands the UIDLs out in `UIDLOrder`; while they arrive in that
/// order (always, from the index) the mailbox keeps no hash table at all, and a listing in the
/// same order (Dovecot's, whose ids grow with each message) is compared with it in one merge
/// pass (`FetchPlanner`). Anything else gets a hash table of slots, built once, on demand.
public struct ArchivedMailbox: Sendable, Equatable {
    /// Every UIDL the index maps for the account, in slot order.
    public private(set) var uidls: [String] = []
    /// Archived copies per slot (more than one when the server gave several messages one UIDL).
    public private(set) var copies: [Int] = []
    /// Per slot: the last listing lacked this UIDL.
    public private(set) var isGone: [Bool] = []
    /// True while every UIDL was added after those that sort before it (`UIDLOrder`).
    public private(set) var isInUIDLOrder = true
    /// Slot by UIDL, kept once the UIDLs stopped arriving in order. Keyed by Swift's string
    /// equality, which takes canonically equivalent ids (`é` and `e` + U+0301) for one; the
    /// byte order does not, so such a pair is one UIDL to a listing out of order and two to one
    /// in order. Real servers send ASCII ids; what matters is that neither case can trap.
    private var slots: [String: Int] = [:]

    public init() {}

    /// A mailbox whose UIDLs were all on the server at the last listing (tests, benchmarks).
    public init(copies: [String: Int]) {
        for (uidl, count) in copies.sorted(by: { UIDLOrder.compare($0.key, $1.key) < 0 }) {
            add(uidl: uidl, copies: count, gone: false)
        }
    }

    public var count: Int { uidls.count }

    /// Slot by UIDL, for comparing with a listing that is not in UIDL order.
    public func slotIndex() -> [String: Int] {
        isInUIDLOrder ? Dictionary(zip(uidls, uidls.indices), uniquingKeysWith: { first, _ in first }) : slots
    }

    public func copies(of uidl: String) -> Int { slot(of: uidl).map { copies[$0] } ?? 0 }

    /// UIDLs the last listing had, and those it lacked.
    public var present: Set<String> { Set(uidls.indices.lazy.filter { !isGone[$0] }.map { uidls[$0] }) }
    public var gone: Set<String> { Set(uidls.indices.lazy.filter { isGone[$0] }.map { uidls[$0] }) }

    /// Adds one index row. A UIDL with several rows (one per distinct content) adds up its
    /// copies; it is gone only if every row says so.
    public mutating func add(uidl: String, copies count: Int, gone: Bool) {
        if isInUIDLOrder, let last = uidls.last {
            let order = UIDLOrder.compare(last, uidl)
            if order == 0 { return merge(into: uidls.count - 1, copies: count, gone: gone) }
            if order > 0 {
                isInUIDLOrder = false
                slots = Dictionary(zip(uidls, uidls.indices), uniquingKeysWith: { first, _ in first })
            }
        }
        if !isInUIDLOrder {
            if let slot = slots[uidl] { return merge(into: slot, copies: count, gone: gone) }
            slots[uidl] = uidls.count
        }
        uidls.append(uidl)
        copies.append(count)
        isGone.append(gone)
    }

    private mutating func merge(into slot: Int, copies count: Int, gone: Bool) {
        copies[slot] += count
        isGone[slot] = isGone[slot] && gone
    }

    private func slot(of uidl: String) -> Int? {
        guard isInUIDLOrder else { return slots[uidl] }
        var low = 0
        var high = uidls.count
        while low < high {
            let middle = (low + high) / 2
            let order = UIDLOrder.compare(uidls[middle], uidl)
            if order == 0 { return middle }
            if order < 0 { low = middle + 1 } else { high = middle }
        }
        return nil
    }
}

/// What a listing changes in the index's record of the server mailbox (`VaultIndex.recordListing`).
public struct ListingChanges: Sendable, Equatable {
    /// Known UIDLs the server no longer lists.
    public var departed: [String] = []
    /// UIDLs the last listing lacked that are listed again.
    public var returned: [String] = []

    public init(departed: [String] = [], returned: [String] = []) {
        self.departed = departed
        self.returned = returned
    }
}
