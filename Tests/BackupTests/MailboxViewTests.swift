import Archive
import Logging
import Synchronization
import TestSupport
import Testing
@testable import Backup

/// The view's reads end with the session: the run closes the index once every account is
/// recorded, and a read begun after that would use a closed connection.
@Suite struct MailboxViewTests {
    /// The index answers that it has no complete listing only after the session settled (a
    /// session that failed before its listing): that answer begins no read.
    @Test func noReadBeginsOnceTheSessionSettled() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let gate = Mutex(false)
        let opening = VaultOpening(opening: try VaultDirectory(at: directory.file("vault"), create: true),
                                   settings: VaultSettings(), logger: Logger(label: "test"), after: {
                                       while !gate.withLock({ $0 }) { try? await Task.sleep(nanoseconds: 1_000_000) }
                                   })
        let view = MailboxView(vault: opening, account: "acct")
        let settling = Task { await view.settle() }
        while !view.progress.settled { try await Task.sleep(nanoseconds: 1_000_000) }
        gate.withLock { $0 = true }
        await settling.value
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(view.progress.readBegun == false)
        #expect(try await opening.vault.index.completeListing(account: "acct") == nil)
        try await opening.close()
    }

    /// Without a complete listing the view is read at once, and the session still gets it.
    @Test func withoutACompleteListingTheViewIsReadAtOnce() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let opening = VaultOpening(opening: try VaultDirectory(at: directory.file("vault"), create: true),
                                   settings: VaultSettings(), logger: Logger(label: "test"))
        let view = MailboxView(vault: opening, account: "acct")
        #expect(await view.recorded == nil)
        while !view.progress.readBegun { try await Task.sleep(nanoseconds: 1_000_000) }
        #expect(try await view.mailbox().count == 0)
        await view.settle()
        try await opening.close()
    }
}
