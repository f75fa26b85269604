/// What the index holds of one account's server mailbox (`VaultIndex.archivedMailbox`).
///
/// Each UIDL has a slot number, its position in `uidls`, and the facts about it sit in arrays
/// under that number. A nightly run compares a listing of every message on the server with
/// this: one hash lookup per listed UIDL gives its slot, and everything else the comparison
/// needs (how often it was listed, which known UIDLs were not) is counted in arrays, not in
/// further sets of strings.
public struct ArchivedMailbox: Sendable, Equatable {
    /// Every UIDL the index maps for the account, in slot order.
    public private(set) var uidls: [String] = []
    /// Archived copies per slot (more than one when the server gave several messages one UIDL).
    public private(set) var copies: [Int] = []
    /// Per slot: the last listing lacked this UIDL.
    public private(set) var isGone: [Bool] = []
    private var slots: [String: Int] = [:]

    public init() {}

    /// A mailbox whose UIDLs were all on the server at the last listing (tests, benchmarks).
    public init(copies: [String: Int]) {
        for (uidl, count) in copies.sorted(by: { $0.key < $1.key }) { add(uidl: uidl, copies: count, gone: false) }
    }

    public var count: Int { uidls.count }

    public func slot(of uidl: String) -> Int? { slots[uidl] }

    public func copies(of uidl: String) -> Int { slots[uidl].map { copies[$0] } ?? 0 }

    /// UIDLs the last listing had, and those it lacked.
    public var present: Set<String> { Set(uidls.indices.lazy.filter { !isGone[$0] }.map { uidls[$0] }) }
    public var gone: Set<String> { Set(uidls.indices.lazy.filter { isGone[$0] }.map { uidls[$0] }) }

    /// Adds one index row. A UIDL with several rows (one per distinct content) adds up its
    /// copies; it is gone only if every row says so.
    public mutating func add(uidl: String, copies count: Int, gone: Bool) {
        // One hash of the UIDL in the usual case, a new one; a second only for a repeat.
        if let slot = slots.updateValue(uidls.count, forKey: uidl) {
            slots[uidl] = slot
            copies[slot] += count
            isGone[slot] = isGone[slot] && gone
            return
        }
        uidls.append(uidl)
        copies.append(count)
        isGone.append(gone)
    }

    mutating func reserveCapacity(_ capacity: Int) {
        slots.reserveCapacity(capacity)
        uidls.reserveCapacity(capacity)
        copies.reserveCapacity(capacity)
        isGone.reserveCapacity(capacity)
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
