import Foundation
import GRDB
import TestSupport
import Testing
@testable import Archive

@Suite struct ListingRecordTests {
    /// A listing changes only what changed: entries missing from it become "gone" with the previous
    /// listing as their last sighting; entries listed again come back; the account's time moves on.
    @Test func recordsDeparturesAndReturnsOnly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try Vault(at: directory.file("vault"), create: true)
        let messages = VaultFixture.corpus(4)
        try VaultFixture.store(messages.enumerated().map { ("u\($0.offset)", $0.element) }, in: vault)

        try await vault.index.recordListing(account: "acct", name: "acct", changes: ListingChanges(), at: 100)
        let before = try entries(vault)
        try await vault.index.recordListing(account: "acct", name: "acct", changes: ListingChanges(departed: ["u2", "u3"]), at: 200)
        var mailbox = try await vault.index.archivedMailbox(account: "acct")
        #expect(mailbox.present == ["u0", "u1"] && mailbox.gone == ["u2", "u3"])
        #expect(mailbox.uidls.map { mailbox.copies(of: $0) } == [1, 1, 1, 1])
        let afterDeparture = try entries(vault)
        #expect(afterDeparture["u2"]?.lastSeen == 100 && afterDeparture["u3"]?.lastSeen == 100)
        #expect(afterDeparture["u0"]?.lastSeen == before["u0"]?.lastSeen)
        #expect(try lastListedAt(vault) == 200)

        try await vault.index.recordListing(account: "acct", name: "acct", changes: ListingChanges(returned: ["u3"]), at: 300)
        mailbox = try await vault.index.archivedMailbox(account: "acct")
        #expect(mailbox.present == ["u0", "u1", "u3"] && mailbox.gone == ["u2"])
        let afterReturn = try entries(vault)
        #expect(afterReturn["u3"]?.lastSeen == 300 && afterReturn["u2"]?.lastSeen == 100)
        #expect(try lastListedAt(vault) == 300)
    }

    private func entries(_ vault: Vault) throws -> [String: (state: String, lastSeen: Int64)] {
        try vault.index.database.read { db in
            var result: [String: (String, Int64)] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT uidl, serverState, lastSeenOnServer FROM mailboxEntry") {
                result[row[0]] = (row[1], row[2])
            }
            return result
        }
    }

    private func lastListedAt(_ vault: Vault) throws -> Int64? {
        try vault.index.database.read { db in try Int64.fetchOne(db, sql: "SELECT lastListedAt FROM account WHERE id = 'acct'") }
    }
}
