/// What the index holds of one account's server mailbox (`VaultIndex.archivedMailbox`).
public struct ArchivedMailbox: Sendable, Equatable {
    /// Archived copies per UIDL: what the fetch planner compares the server's listing with.
    public var copies: [String: Int] = [:]
    /// UIDLs the last listing had, and those it lacked.
    public var present: Set<String> = []
    public var gone: Set<String> = []

    public init() {}
}
