import Foundation
import TestSupport
import Testing
@testable import Archive

@Suite(.serialized) struct BackgroundVaultWriterTests {
    /// Messages larger than all the chunks together pass through them in order; each outcome comes back under its tag.
    @Test func storesThroughASmallQueueInOrder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try Vault(at: directory.file("vault"), create: true)
        let messages = VaultFixture.corpus(40)
        let inner = try vault.makeWriter()
        inner.register(account: "acct", name: "acct")
        let writer = BackgroundVaultWriter(writer: inner, chunkCount: 3, chunkSize: 1000)
        var finished: [BackgroundVaultWriter.Finished] = []
        for (index, message) in (messages + [messages[0]]).enumerated() {
            try writer.beginMessage(account: "acct", uidl: "u\(index)")
            try message.withUnsafeBytes { raw in
                for start in stride(from: 0, to: raw.count, by: 1777) {
                    try writer.write(UnsafeRawBufferPointer(rebasing: raw[start..<min(raw.count, start + 1777)]))
                }
            }
            try writer.finishMessage(tag: index)
            finished += writer.takeFinished()
        }
        try writer.close()
        finished += writer.takeFinished()
        #expect(finished.map(\.tag) == Array(0...messages.count))
        for (message, done) in zip(messages, finished) {
            #expect(done.outcome == .stored(contentHash: Canonical.sha256Hex(message)))
            #expect(try VaultFixture.read(done.outcome.contentHash, from: vault) == message)
        }
        #expect(finished.last?.outcome == .mapped(contentHash: Canonical.sha256Hex(messages[0])))
        #expect(try vault.index.counts().messages == messages.count)
        #expect(try Verifier(vault: vault).run(full: true).ok)
    }

    /// An error on the worker reaches the caller at its next call and at `close`, and what was
    /// finished before it is still committed.
    @Test func aWorkerErrorComesBackAndEarlierMessagesAreKept() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try Vault(at: directory.file("vault"), create: true)
        let message = VaultFixture.corpus(1)[0]
        let inner = try vault.makeWriter()
        inner.register(account: "acct", name: "acct")
        let writer = BackgroundVaultWriter(writer: inner)
        try writer.beginMessage(account: "acct", uidl: "kept")
        try message.withUnsafeBytes { try writer.write($0) }
        try writer.finishMessage(tag: 1)
        try writer.finishMessage(tag: 2)  // no message begun: the worker fails here
        var failedLater = false
        for _ in 0..<200 where !failedLater {
            do {
                try writer.beginMessage(account: "acct", uidl: "after")
                usleep(10_000)
            } catch {
                failedLater = true
            }
        }
        #expect(failedLater)
        #expect(throws: ArchiveError.self) { try writer.close() }
        #expect(writer.takeFinished().map(\.tag) == [1])
        #expect(try vault.index.counts().messages == 1)
        #expect(try Verifier(vault: vault).run(full: true).ok)
    }
}
