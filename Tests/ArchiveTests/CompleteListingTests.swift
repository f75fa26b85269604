import Foundation
import GRDB
import TestSupport
import Testing
@testable import Archive

/// The index keeps an account's last complete listing only while every entry it vouched for is
/// unchanged: a removed entry, other copies or another server state make it forget.
@Suite struct CompleteListingTests {
    private let summary = ListingSummary(digest: Data(repeating: 7, count: 32), count: 4, size: 4000, duplicatedUIDLs: 0)

    private func vaultWithListing(_ directory: TemporaryDirectory) throws -> Vault {
        let vault = try Vault(at: directory.file("vault"), create: true)
        try VaultFixture.store(VaultFixture.corpus(4).enumerated().map { ("u\($0.offset)", $0.element) }, in: vault)
        try vault.index.record(RunRecord(accountId: "acct", startedAt: 1), accountName: "acct", completeListing: summary)
        return vault
    }

    @Test func aRunRecordsItAndNewEntriesKeepIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try vaultWithListing(directory)
        #expect(try vault.index.completeListing(account: "acct") == summary)
        #expect(try vault.index.completeListing(account: "other") == nil)

        try vault.index.record(RunRecord(accountId: "acct", startedAt: 2), accountName: "acct")
        try VaultFixture.store([("u9", VaultFixture.corpus(1, seed: 9)[0])], in: vault)
        try vault.index.recordListing(account: "acct", name: "acct", changes: ListingChanges(), at: 300)
        #expect(try vault.index.completeListing(account: "acct") == summary, "kept by a run without one, a new entry, an unchanged listing")
    }

    @Test func aRemovedEntryMakesTheIndexForgetIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try vaultWithListing(directory)
        try vault.index.database.write { db in try db.execute(sql: "DELETE FROM mailboxEntry WHERE uidl = 'u2'") }
        #expect(try vault.index.completeListing(account: "acct") == nil)
    }

    @Test func otherCopiesOrServerStatesMakeTheIndexForgetIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try vaultWithListing(directory)
        try vault.index.database.write { db in try db.execute(sql: "UPDATE mailboxEntry SET copies = 2 WHERE uidl = 'u1'") }
        #expect(try vault.index.completeListing(account: "acct") == nil)

        try vault.index.record(RunRecord(accountId: "acct", startedAt: 3), accountName: "acct", completeListing: summary)
        try vault.index.recordListing(account: "acct", name: "acct", changes: ListingChanges(departed: ["u3"]), at: 400)
        #expect(try vault.index.completeListing(account: "acct") == nil)
    }
}
