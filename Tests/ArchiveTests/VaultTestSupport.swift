import Archive
import Foundation
import TestSupport

/// Stores messages the way a backup session does: begin, write in pieces, finish, commit.
enum VaultFixture {
    @discardableResult
    static func store(_ messages: [(uidl: String, bytes: [UInt8])], account: String = "acct", in vault: Vault) throws -> [StoreOutcome] {
        let writer = try vault.makeWriter()
        writer.register(account: account, name: account)
        let stream = try writer.openStream()
        let outcomes = try messages.map { message in
            try writer.store(message.bytes, in: stream, account: account, uidl: message.uidl, pieceSize: 3000)
        }
        try writer.close()
        return outcomes
    }

    /// Canonical test messages (LF line ends, final LF), edge cases included.
    static func corpus(_ count: Int, seed: UInt64 = 3) -> [[UInt8]] {
        var builder = CorpusBuilder(seed: seed, profile: CorpusProfile(attachmentEvery: 5, attachmentSize: { Int(1000 + $0 * 200_000) },
                                                                       includeCPythonEmailData: false))
        var messages = CorpusBuilder.cpythonEmailMessages().map(Canonical.form)
        for index in 0..<max(0, count - messages.count) { messages.append(Canonical.form(builder.makeMessage(index))) }
        return Array(messages.prefix(count))
    }

    static func read(_ hash: String, from vault: Vault) throws -> [UInt8] {
        var bytes: [UInt8] = []
        try vault.readMessage(hash) { bytes.append(contentsOf: $0) }
        return bytes
    }

    static func labBinary() -> String {
        BuiltProducts.path(of: "popvault-lab")
    }
}
