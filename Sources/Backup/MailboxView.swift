import Archive
import Synchronization

/// The index's view of one account's mailbox (`VaultIndex.archivedMailbox`) for one session,
/// read only once `ListingShortcut` says it is needed: when the index has no complete listing
/// of the account, when STAT differs from it, or when the session asks for the view.
final class MailboxView: Sendable {
    private struct State {
        var recorded: ListingSummary??
        var stat: (count: Int, size: Int)?
        var read: Task<ArchivedMailbox, Error>?
        /// Set by `settle`: the session is over, and no read may begin after it.
        var settled = false
    }

    private let vault: VaultOpening
    private let account: String
    private let state = Mutex(State())
    private let recordedRead: Task<ListingSummary?, Never>

    /// Begins reading the account's complete listing, once the vault is open. An index that
    /// cannot say counts as one without: the view is read, and its error is the session's.
    init(vault: VaultOpening, account: String) {
        (self.vault, self.account) = (vault, account)
        let recordedRead = Task { try? await vault.vault.index.completeListing(account: account) }
        self.recordedRead = recordedRead
        Task { [self] in self.learn(recorded: await recordedRead.value) }
    }

    /// The index's complete listing of the account, if it has one.
    var recorded: ListingSummary? {
        get async { await recordedRead.value }
    }

    /// STAT's reply, as soon as it comes (before the listing).
    func learn(stat: (count: Int, size: Int)) {
        update { $0.stat = stat }
    }

    /// The view: read now if it was not begun already.
    func mailbox() async throws -> ArchivedMailbox {
        try await state.withLock { beginRead(&$0) }.value
    }

    /// Ends the view's part in the session: no read begins afterwards, and the reads begun are
    /// waited for, so that the index is never closed under one (the run closes it once the last
    /// account is recorded). Every session calls it before it returns or throws.
    func settle() async {
        let read = state.withLock { state in
            state.settled = true
            return state.read
        }
        _ = await recordedRead.value
        _ = try? await read?.value
    }

    /// Whether the view's read has begun, and whether the session has settled (for tests).
    var progress: (readBegun: Bool, settled: Bool) {
        state.withLock { ($0.read != nil, $0.settled) }
    }

    private func learn(recorded: ListingSummary?) {
        update { $0.recorded = .some(recorded) }
    }

    /// Applies what was learned, and begins the read if it is now needed and the session goes on.
    private func update(_ change: (inout State) -> Void) {
        state.withLock { state in
            change(&state)
            if !state.settled, ListingShortcut.readsViewNow(recorded: state.recorded, stat: state.stat) {
                _ = beginRead(&state)
            }
        }
    }

    /// The read, begun now unless it was already.
    private func beginRead(_ state: inout State) -> Task<ArchivedMailbox, Error> {
        if let read = state.read { return read }
        let (vault, account) = (self.vault, self.account)
        let read = Task { try await vault.vault.index.archivedMailbox(account: account) }
        state.read = read
        return read
    }
}
