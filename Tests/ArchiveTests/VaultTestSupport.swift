import Archive
import Foundation
import TestSupport

/// Stores messages the way a backup session does: begin, write in pieces, finish, commit.
enum VaultFixture {
    @discardableResult
    static func store(_ messages: [(uidl: String, bytes: [UInt8])], account: String = "acct", in vault: Vault) throws -> [StoreOutcome] {
        let writer = try vault.makeWriter()
        writer.register(account: account, name: account)
        var outcomes: [StoreOutcome] = []
        for message in messages {
            try writer.beginMessage(account: account, uidl: message.uidl)
            try message.bytes.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let end = min(raw.count, offset + 3000)
                    try writer.write(UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                    offset = end
                }
            }
            outcomes.append(try writer.finishMessage())
            if writer.shouldCommit { try writer.commit() }
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
