import Crypto
import Foundation
import GRDB
import TestSupport
import Testing
@testable import Archive

/// Invariant 11 and issue 23: what anyone who can touch a file may do to a vault. Unknown files,
/// symlinks and tampered members are reported, never followed, changed or fatal; opening a vault
/// in a directory others may write to is refused.
@Suite(.serialized) struct HostileVaultTests {
    private func vault(_ directory: TemporaryDirectory, messages: Int = 10) throws -> String {
        let root = directory.file("vault")
        let vault = try Vault(at: root, create: true)
        try VaultFixture.store(VaultFixture.corpus(messages).enumerated().map { ("u\($0.offset)", $0.element) }, in: vault)
        try vault.close()
        return root
    }

    private func digest(_ path: String) throws -> String {
        Canonical.sha256Hex(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// A segment the index records as open whose file is a symlink: opening for writing refuses
    /// to recover it, and what it points to is untouched.
    @Test func anOpenSegmentThatIsASymlinkIsNeverFollowed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = try vault(directory)
        let victim = directory.file("victim.txt")
        try String(repeating: "precious\n", count: 500).write(toFile: victim, atomically: true, encoding: .utf8)
        let before = try digest(victim)
        let database = try DatabaseQueue(path: root + "/index.sqlite")
        try database.write { db in
            try db.execute(sql: "INSERT INTO segment (id, name, state, committedLength, createdAt) VALUES (50, '000050.mbox.gz', 'open', 0, 1)")
        }
        try database.close()
        #expect(symlink(victim, root + "/segments/000050.mbox.gz") == 0)
        #expect(throws: ArchiveError.self) { _ = try Vault(at: root) }
        #expect(try digest(victim) == before)
        let reader = try Vault(at: root, access: .read)
        let report = try Verifier(vault: reader).run(full: true)
        #expect(!report.ok && report.segmentProblems.contains { $0.contains("000050.mbox.gz") && $0.contains("symbolic link") })
        #expect(try digest(victim) == before)
    }

    /// A writer works only in a directory of its own user that nobody else may write to.
    @Test func aVaultOthersMayWriteToIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = try vault(directory)
        chmod(root, 0o777)
        #expect { _ = try Vault(at: root) } throws: { error in
            (error as? ArchiveError)?.description.contains("can be written by others") == true
        }
        chmod(root, 0o700)
        let elsewhere = directory.file("link")
        #expect(symlink(root, elsewhere) == 0)
        #expect { _ = try Vault(at: elsewhere) } throws: { error in
            (error as? ArchiveError)?.description.contains("symbolic link") == true
        }
        _ = try Vault(at: root)
    }

    /// `reindex` on a directory that is not a vault changes nothing in it.
    @Test func reindexRefusesADirectoryWithoutVaultToml() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.file("not-a-vault")
        try FileManager.default.createDirectory(atPath: root + "/segments", withIntermediateDirectories: true)
        #expect(throws: ArchiveError.self) { _ = try Reindexer.rebuild(root: root) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["segments"])
    }

    /// A member whose metadata, re-encoded, no longer fits a gzip header (each `%80` in it
    /// decodes to U+FFFD and escapes to nine bytes): the member is reported as damaged by
    /// reindex and verify, and nothing traps.
    @Test func aTamperedHeaderTooLongToReencodeIsDamageNotACrash() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = try vault(directory, messages: 3)
        let metadata = Array("v=1\nk=blob\nh=\(String(repeating: "0", count: 64))\nn=00000000000000000001\nt=00000000000000000001\na=x\nu=".utf8)
            + Array(String(repeating: "%80", count: 20_000).utf8) + [10]
        let xlen = metadata.count + 4
        var member: [UInt8] = [0x1F, 0x8B, 0x08, 0x04, 0, 0, 0, 0, 0, 3, UInt8(xlen & 0xFF), UInt8(xlen >> 8),
                               UInt8(ascii: "P"), UInt8(ascii: "V"), UInt8(metadata.count & 0xFF), UInt8(metadata.count >> 8)]
        member += metadata + [0x03, 0x00] + [0, 0, 0, 0, 0, 0, 0, 0]
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: root + "/segments").first)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: root + "/segments/" + segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: member)
        try handle.close()
        let summary = try Reindexer.rebuild(root: root)
        #expect(summary.messages == 3 && summary.damagedRegions.count == 1, "\(summary)")
        let report = try Verifier(vault: Vault(at: root, access: .read)).run(full: true)
        #expect(report.ok, "the tampered tail is outside every indexed message: \(report.segmentProblems)")
    }

    /// A member can make a reader inflate no more than the length its header records.
    @Test func inflationStopsAtTheRecordedLength() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.file("vault")
        let vault = try Vault(at: root, create: true)
        let message = Array(repeating: UInt8(ascii: "a"), count: 4_000_000) + [10]
        let hash = try VaultFixture.store([("big", message)], in: vault)[0].contentHash
        let record = try #require(try vault.index.message(hash))
        let path = try vault.segmentPath(try #require(try vault.index.segment(id: record.segmentId)).name)
        // Rewrite the header to claim 1,000 bytes (the widths stay, so the deflate data is untouched).
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        guard let range = bytes.firstRange(of: Array(String(format: "n=%020d", message.count).utf8)) else {
            Issue.record("the header does not hold the length")
            return
        }
        bytes.replaceSubrange(range, with: Array(String(format: "n=%020d", 1000).utf8))
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let scanner = try MemberScanner(path: path)
        var inflated = 0
        let result = try scanner.readMember(at: record.offset) { inflated += $0.count }
        guard case .failure(let problem) = result else { Issue.record("a member claiming 1,000 bytes read as intact"); return }
        #expect(problem.reason.contains("more than the 1000 bytes"), "\(problem.reason)")
        #expect(inflated <= 1000 + 256 * 1024, "inflated \(inflated) bytes")
    }

    /// One line of 20 MB of `>`, then `From `, and every split of short such lines: quoted and
    /// unquoted in time linear in their size (the quadratic rescans took hours for 10 MB), and
    /// the bytes read back are the bytes stored.
    @Test func longRunsOfGreaterThanAreQuotedLinearly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let vault = try Vault(at: directory.file("vault"), create: true)
        let run = Array(repeating: UInt8(ascii: ">"), count: 20 << 20)
        let messages = [Array("Subject: x\n\n".utf8) + run + Array("From x\n".utf8),
                        Array("Subject: y\n\n".utf8) + run + Array("\nFrom y\n>From z\n".utf8)]
        let hashes = try VaultFixture.store(messages.enumerated().map { ("u\($0.offset)", $0.element) }, in: vault).map(\.contentHash)
        for (message, hash) in zip(messages, hashes) {
            #expect(try VaultFixture.read(hash, from: vault) == message)
        }
        let line = ">>>>>>From a\n>>>>>>x\n>>>From"
        for split in 0...line.utf8.count {
            var quoter = MboxrdQuoter()
            var unquoter = MboxrdUnquoter()
            var quoted: [UInt8] = []
            let bytes = Array(line.utf8)
            for part in [bytes[..<split], bytes[split...]] { Array(part).withUnsafeBytes { quoter.quote($0, into: &quoted) } }
            quoter.finish(into: &quoted)
            #expect(String(decoding: quoted, as: UTF8.self) == ">>>>>>>From a\n>>>>>>x\n>>>From", "split \(split)")
            var back: [UInt8] = []
            for part in [quoted[..<split], quoted[split...]] { Array(part).withUnsafeBytes { unquoter.unquote($0, into: &back) } }
            unquoter.finish(into: &back)
            #expect(back == bytes, "split \(split)")
        }
    }
}
