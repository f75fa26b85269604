import Foundation
import GRDB
import TestSupport
import Testing
@testable import Archive

@Suite(.serialized) struct VaultTests {
    @Test func storesDedupsAndReadsBack() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try Vault(at: directory.file("vault"), create: true)
        let messages = VaultFixture.corpus(60)
        let outcomes = try VaultFixture.store(messages.enumerated().map { ("u\($0.offset)", $0.element) }, in: vault)
        #expect(outcomes.allSatisfy { if case .stored = $0 { return true } else { return false } })
        for (message, outcome) in zip(messages, outcomes) {
            #expect(try VaultFixture.read(outcome.contentHash, from: vault) == message)
            #expect(outcome.contentHash == Canonical.sha256Hex(message))
        }
        // Same content under a new UIDL and in another account: mappings only. Same (account, UIDL): nothing.
        let again = try VaultFixture.store([("new-uidl", messages[0]), ("u1", messages[1])], in: vault)
        #expect(again == [.mapped(contentHash: outcomes[0].contentHash), .alreadyArchived(contentHash: outcomes[1].contentHash)])
        let other = try VaultFixture.store([("x", messages[2])], account: "other", in: vault)
        #expect(other == [.mapped(contentHash: outcomes[2].contentHash)])
        let counts = try vault.index.counts()
        #expect(counts.messages == 60 && counts.entries == 62)
        #expect(try Verifier(vault: vault).run(full: true).ok)
        // Files 0600, directories 0700.
        for path in [vault.root, vault.segmentsDirectory] { #expect(mode(path) == 0o700) }
        for path in [vault.indexPath, vault.indexPath + "-wal", vault.indexPath + "-shm", vault.root + "/vault.toml"]
            + (try segmentPaths(vault)) { #expect(mode(path) == 0o600, "\(path)") }
    }

    /// A message's hash comes from exactly one side: the writer, or a caller that said it would hash.
    /// A finish refused for it leaves no unfinished member behind.
    @Test func aMessagesHashComesFromTheWriterOrFromItsCallerNeverBothOrNeither() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try Vault(at: directory.file("vault"), create: true)
        let writer = try vault.makeWriter()
        writer.register(account: "acct", name: "acct")
        let stream = try writer.openStream()
        let message = VaultFixture.corpus(1)[0]
        let hash = Canonical.sha256Hex(message)

        try writer.beginMessage(stream, account: "acct", uidl: "u1", hashedByCaller: true)
        try message.withUnsafeBytes { try writer.write(stream, $0) }
        #expect(throws: ArchiveError.self) { try writer.finishMessage(stream) }

        try writer.beginMessage(stream, account: "acct", uidl: "u2")
        try message.withUnsafeBytes { try writer.write(stream, $0) }
        #expect(throws: ArchiveError.self) { try writer.finishMessage(stream, contentHash: hash) }

        try writer.beginMessage(stream, account: "acct", uidl: "u3", hashedByCaller: true)
        try message.withUnsafeBytes { try writer.write(stream, $0) }
        #expect(try writer.finishMessage(stream, contentHash: hash) == .stored(contentHash: hash))
        try writer.close()
        #expect(try vault.index.counts().messages == 1)
        #expect(try vault.index.allMessages().map(\.offset) == [0], "the refused members were not cut off")
        #expect(try Verifier(vault: vault).run(full: true).ok)
    }

    @Test func segmentsAreReadableByAnIndependentMboxReader() throws {
        let python = try #require(ProcessRunner.which("python3"))
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var settings = VaultSettings()
        settings.segmentSizeLimit = 300_000
        let vault = try Vault(at: directory.file("vault"), create: true, settings: settings)
        let messages = VaultFixture.corpus(150)
        try VaultFixture.store(messages.enumerated().map { ("u\($0.offset)", $0.element) }, in: vault)
        let segments = try segmentPaths(vault)
        #expect(segments.count > 1)
        let mbox = directory.file("all.mbox")
        let zcat = try ProcessRunner.run("/bin/sh", ["-c", "zcat \(segments.joined(separator: " ")) > \(mbox)"])
        #expect(zcat.status == 0, "\(zcat.stderr)")
        let script = """
        import hashlib, mailbox, re, sys
        box = mailbox.mbox(sys.argv[1])
        for key in box.keys():
            raw = box.get_bytes(key)
            raw = re.sub(rb'(?m)^>(>*From )', rb'\\1', raw)
            print(hashlib.sha256(raw).hexdigest(), len(raw))
        """
        let result = try ProcessRunner.run(python, ["-c", script, mbox])
        #expect(result.status == 0, "\(result.stderr)")
        let hashes = result.stdout.split(separator: "\n").map { String($0.split(separator: " ")[0]) }
        #expect(hashes.count == messages.count)
        #expect(Set(hashes) == Set(messages.map(Canonical.sha256Hex)))
    }

    @Test func reindexRebuildsTheSameMappings() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.file("vault")
        let messages = VaultFixture.corpus(40)
        var before: [String] = []
        do {
            let vault = try Vault(at: root, create: true)
            try VaultFixture.store(messages.enumerated().map { ("u\($0.offset)", $0.element) }, in: vault)
            try VaultFixture.store([("dup", messages[3])], account: "second", in: vault)
            before = try vault.index.allEntries().map { "\($0.accountId) \($0.uidl) \($0.contentHash)" }.sorted()
        }
        let summary = try Reindexer.rebuild(root: root)
        #expect(summary.messages == 40 && summary.mappings == 1 && summary.damagedRegions.isEmpty)
        do {
            let vault = try Vault(at: root)
            #expect(try vault.index.allEntries().map { "\($0.accountId) \($0.uidl) \($0.contentHash)" }.sorted() == before)
            #expect(try Verifier(vault: vault).run(full: true).ok)
        }
        for suffix in ["", "-wal", "-shm"] { unlink(root + "/index.sqlite" + suffix) }
        _ = try Reindexer.rebuild(root: root)
        let vault = try Vault(at: root)
        #expect(try vault.index.allEntries().count == before.count)
        #expect(try VaultFixture.read(Canonical.sha256Hex(messages[7]), from: vault) == messages[7])
        #expect(try Verifier(vault: vault).run(full: true).ok)
    }

    @Test func secondWriterIsRefusedAndStaleLockIsTakenOver() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.file("vault")
        do {
            let first = try Vault(at: root, create: true)
            do {
                _ = try Vault(at: root)
                Issue.record("a second writer opened the vault")
            } catch let error as ArchiveError {
                #expect(error.description.contains("is in use by PID \(getpid())"), "\(error)")
            }
            withExtendedLifetime(first) {}
        }
        // A process that holds the lock and is killed: the lock is free again.
        let child = try ChildProcess(VaultFixture.labBinary(), ["store-loop", "--vault", root, "--count", "100000"])
        var holding = false
        for _ in 0..<200 where !holding {
            usleep(50_000)
            holding = (try? String(contentsOfFile: root + "/lock", encoding: .utf8))?.contains("PID \(child.pid)") == true
        }
        #expect(holding)
        kill(child.pid, SIGKILL)
        child.terminate()
        let vault = try Vault(at: root)
        #expect(try Verifier(vault: vault).run(full: true).ok)
    }

    /// The holder's line replaces the last holder's, longer or not, and is all the lock file holds.
    @Test func theLockFileNamesItsHolderAlone() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.file("vault")
        withExtendedLifetime(try Vault(at: root, create: true)) {}
        try "PID 999999999 on a-host-name-longer-than-any-real-one\n".write(toFile: root + "/lock", atomically: false, encoding: .utf8)
        let vault = try Vault(at: root)
        let text = try String(contentsOfFile: root + "/lock", encoding: .utf8)
        #expect(text.hasPrefix("PID \(getpid()) on ") && text.hasSuffix("\n") && text.filter { $0 == "\n" }.count == 1, "\(text)")
        withExtendedLifetime(vault) {}
    }

    private func mode(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber) ?? nil)?.intValue ?? -1
    }

    private func segmentPaths(_ vault: Vault) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: vault.segmentsDirectory).sorted().map { vault.segmentsDirectory + "/" + $0 }
    }
}

/// Invariant 1: when a batch's index rows commit, its bytes are already in the segment file
/// (written and fsynced), never only in the writer's buffer.
@Suite struct WriteOrderingTests {
    @Test func committedRowsPointAtBytesAlreadyOnDisk() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try Vault(at: directory.file("vault"), create: true)
        let writer = try vault.makeWriter()
        writer.register(account: "acct", name: "acct")
        let stream = try writer.openStream()
        for (index, message) in VaultFixture.corpus(5).enumerated() {
            try writer.beginMessage(stream, account: "acct", uidl: "u\(index)")
            try message.withUnsafeBytes { try writer.write(stream, $0) }
            _ = try writer.finishMessage(stream)
        }
        try writer.commit()
        let segment = try #require(try vault.index.segments().first)
        let path = vault.segmentsDirectory + "/" + segment.name
        let onDisk = try #require((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value)
        #expect(segment.committedLength > 0)
        #expect(onDisk >= segment.committedLength, "index committed \(segment.committedLength) bytes, file holds \(onDisk)")
        for message in try vault.index.allMessages() {
            #expect(message.offset + message.memberLength <= onDisk)
        }
        try writer.close()
    }
}

/// Invariant 2 rests on it: an index commit is on disk when it returns. In WAL mode that takes
/// `synchronous = FULL` (GRDB's pools set NORMAL, with which a commit may be lost at power failure).
@Suite struct IndexDurabilityTests {
    @Test func indexCommitsAreSyncedToDisk() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try Vault(at: directory.file("vault"), create: true)
        func level() throws -> Int {
            try vault.index.database.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") } ?? -1
        }
        #expect(try level() == 2, "PRAGMA synchronous is not FULL (2) on the index's writer")
        try await vault.index.recordListing(account: "a", name: "a", changes: ListingChanges(), at: 1)
        var run = RunRecord(accountId: "a", startedAt: 1)
        run.finishedAt = 2
        run.result = "ok"
        run.onServerCount = 7
        run.error = "an error"
        try await vault.index.record(run, accountName: "a")
        #expect(try level() == 2)
        let recorded = try vault.index.lastRuns()
        #expect(recorded.count == 1)
        #expect(recorded.first?.finishedAt == 2 && recorded.first?.result == "ok" && recorded.first?.onServerCount == 7
                && recorded.first?.error == "an error" && recorded.first?.id != nil)
    }

    /// Closing the index moves its WAL into `index.sqlite`: after a run, a copy of that one file
    /// (what copying a vault file by file makes) holds every committed row.
    @Test func afterCloseTheDatabaseFileAloneHoldsEveryCommit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.file("vault")
        let vault = try Vault(at: root, create: true)
        try VaultFixture.store(VaultFixture.corpus(20).enumerated().map { ("u\($0.offset)", $0.element) }, in: vault)
        var run = RunRecord(accountId: "acct", startedAt: 1)
        run.result = "ok"
        try await vault.index.record(run, accountName: "acct")
        try vault.close()
        let wal = (try? FileManager.default.attributesOfItem(atPath: root + "/index.sqlite-wal")[.size] as? Int) ?? 0
        #expect(wal == 0, "the WAL still holds \(wal) bytes after close")
        let copy = directory.file("copy.sqlite")
        try FileManager.default.copyItem(atPath: root + "/index.sqlite", toPath: copy)
        let database = try DatabaseQueue(path: copy)
        let messages = try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM message") }
        let runs = try await database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run") }
        #expect(messages == 20 && runs == 1)
    }
}

/// Streams of one writer storing the same content at once: it is stored once, and every other
/// stream records a mapping to it in the same commit, waiting for nobody.
@Suite struct SharedContentStreamTests {
    @Test func identicalContentFromEightStreamsIsStoredOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try Vault(at: directory.file("vault"), create: true)
        let writer = try vault.makeWriter()
        let messages = VaultFixture.corpus(12)
        let streams = try (0..<8).map { number -> StreamID in
            writer.register(account: "a\(number)", name: "a\(number)")
            return try writer.openStream()
        }
        // Interleaved as parallel sessions are: every stream begins a message before any finishes.
        for (index, message) in messages.enumerated() {
            for (number, stream) in streams.enumerated() {
                try writer.beginMessage(stream, account: "a\(number)", uidl: "u\(index)")
                try message.withUnsafeBytes { try writer.write(stream, UnsafeRawBufferPointer(rebasing: $0.prefix(100))) }
            }
            var outcomes: [StoreOutcome] = []
            for stream in streams {
                try message.withUnsafeBytes { try writer.write(stream, UnsafeRawBufferPointer(rebasing: $0.dropFirst(100))) }
                outcomes.append(try writer.finishMessage(stream))
            }
            let hash = Canonical.sha256Hex(message)
            #expect(outcomes == [.stored(contentHash: hash)] + Array(repeating: .mapped(contentHash: hash), count: 7))
        }
        try writer.close()
        #expect(try vault.index.counts().messages == messages.count && vault.index.counts().entries == messages.count * 8)
        #expect(try Verifier(vault: vault).run(full: true).ok)
    }
}
