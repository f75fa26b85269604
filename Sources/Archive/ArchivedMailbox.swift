/// What the index holds of one account's server mailbox (`VaultIndex.archivedMailbox`).
///
/// Each UIDL has a slot number, its position in `uidls`, and the facts about it sit in arrays
/// under that number. The index hands the UIDLs out in `UIDLOrder`; while they arrive in that
/// order (always, from the index) the mailbox keeps no hash table at all, and a listing in the
/// same order (Dovecot's, whose ids grow with each message) is compared with it in one merge
/// pass (`FetchPlanner`). Anything else gets a hash table of slots, built once, on demand.
public struct ArchivedMailbox: Sendable, Equatable {
    /// The UTF-8 bytes of every UIDL, end to end, in slot order; slot `i` ends at `uidlEnds[i]`.
    /// One array instead of a string per UIDL: the index hands out tens of thousands, and a run
    /// with nothing new only compares them with the listing.
    private var uidlBytes: [UInt8] = []
    private var uidlEnds: [Int] = []
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

    public var count: Int { copies.count }

    /// Every UIDL, in slot order, as strings.
    public var uidls: [String] { copies.indices.map(uidl(at:)) }

    public func uidl(at slot: Int) -> String {
        withUIDLs { bytes, ends in String(decoding: Self.slice(bytes, ends, slot), as: UTF8.self) }
    }

    /// The packed UIDLs for a pass over all of them: the bytes, and where each slot ends.
    public func withUIDLs<Result>(_ body: (UnsafeRawBufferPointer, UnsafeBufferPointer<Int>) throws -> Result) rethrows -> Result {
        try uidlBytes.withUnsafeBytes { bytes in try uidlEnds.withUnsafeBufferPointer { ends in try body(bytes, ends) } }
    }

    /// Slot `slot` of packed UIDLs handed out by `withUIDLs`.
    public static func slice(_ bytes: UnsafeRawBufferPointer, _ ends: UnsafeBufferPointer<Int>, _ slot: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[(slot == 0 ? 0 : ends[slot - 1])..<ends[slot]])
    }

    /// Slot by UIDL, for comparing with a listing that is not in UIDL order.
    public func slotIndex() -> [String: Int] {
        isInUIDLOrder ? Dictionary(zip(uidls, copies.indices), uniquingKeysWith: { first, _ in first }) : slots
    }

    public func copies(of uidl: String) -> Int { slot(of: uidl).map { copies[$0] } ?? 0 }

    /// UIDLs the last listing had, and those it lacked.
    public var present: Set<String> { Set(copies.indices.lazy.filter { !isGone[$0] }.map(uidl(at:))) }
    public var gone: Set<String> { Set(copies.indices.lazy.filter { isGone[$0] }.map(uidl(at:))) }

    /// Adds one index row. A UIDL with several rows (one per distinct content) adds up its
    /// copies; it is gone only if every row says so.
    public mutating func add(uidl: String, copies count: Int, gone: Bool) {
        Array(uidl.utf8).withUnsafeBytes { add(uidlBytes: $0, copies: count, gone: gone) }
    }

    /// `add(uidl:copies:gone:)` with the UIDL's UTF-8 bytes, as the index reads them.
    public mutating func add(uidlBytes uidl: UnsafeRawBufferPointer, copies count: Int, gone: Bool) {
        if isInUIDLOrder, !copies.isEmpty {
            let order = withUIDLs { bytes, ends in UIDLOrder.compare(Self.slice(bytes, ends, copies.count - 1), uidl) }
            if order == 0 { return merge(into: copies.count - 1, copies: count, gone: gone) }
            if order > 0 {
                isInUIDLOrder = false
                slots = Dictionary(zip(uidls, copies.indices), uniquingKeysWith: { first, _ in first })
            }
        }
        if !isInUIDLOrder {
            let key = String(decoding: uidl, as: UTF8.self)
            if let slot = slots[key] { return merge(into: slot, copies: count, gone: gone) }
            slots[key] = copies.count
        }
        uidlBytes.append(contentsOf: uidl)
        uidlEnds.append(uidlBytes.count)
        copies.append(count)
        isGone.append(gone)
    }

    private mutating func merge(into slot: Int, copies count: Int, gone: Bool) {
        copies[slot] += count
        isGone[slot] = isGone[slot] && gone
    }

    private func slot(of uidl: String) -> Int? {
        guard isInUIDLOrder else { return slots[uidl] }
        return Array(uidl.utf8).withUnsafeBytes { wanted in
            withUIDLs { bytes, ends in
                var low = 0
                var high = ends.count
                while low < high {
                    let middle = (low + high) / 2
                    let order = UIDLOrder.compare(Self.slice(bytes, ends, middle), wanted)
                    if order == 0 { return middle }
                    if order < 0 { low = middle + 1 } else { high = middle }
                }
                return nil
            }
        }
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
