import Foundation
import TestSupport
import Testing
@testable import Archive

/// Invariants 1, 4 and 8: crashes lose nothing committed; any damaged byte is found and named.
@Suite(.serialized) struct VaultDamageTests {
    @Test func sigkillAtRandomMomentsLosesNothingCommitted() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.file("vault")
        var generator = SplitMix64(seed: 2026)
        var committed = Set<String>()
        for round in 0..<24 {
            let output = directory.file("out\(round).txt")
            let child = try ChildProcess(VaultFixture.labBinary(), ["store-loop", "--vault", root, "--seed", "\(round + 1)", "--rate", "200"], stdout: output)
            usleep(useconds_t(100_000 + generator.next() % 900_000))
            kill(child.pid, SIGKILL)
            child.terminate()
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            var committedNow = Set<String>()
            for line in text.split(separator: "\n") where line.hasPrefix("committed") {
                committedNow.formUnion(line.split(separator: " ").dropFirst().map(String.init))
            }
            committed.formUnion(committedNow)
            // Opening recovers; then the segments must verify, every committed message be indexed,
            // and this round's read back whole.
            let vault = try Vault(at: root)
            let report = try Verifier(vault: vault).run(full: false)
            #expect(report.ok, "round \(round): \(report.segmentProblems) \(report.damagedMessages)")
            for hash in committed {
                #expect(try vault.index.hasMessage(hash), "round \(round): committed message \(hash) is lost")
            }
            for hash in committedNow {
                #expect(Canonical.sha256Hex(try VaultFixture.read(hash, from: vault)) == hash, "round \(round)")
            }
        }
        #expect(committed.count > 50, "the child committed too little to test anything")
        // And at the end every indexed message, re-read and re-hashed.
        let report = try Verifier(vault: Vault(at: root)).run(full: true)
        #expect(report.ok, "\(report.segmentProblems) \(report.damagedMessages)")
    }

    @Test func everyFlippedByteIsFoundAndNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.file("vault")
        let messages = VaultFixture.corpus(30)
        var hashes: [String] = []
        do {
            let vault = try Vault(at: root, create: true)
            hashes = try VaultFixture.store(messages.enumerated().map { ("u\($0.offset)", $0.element) }, in: vault).map(\.contentHash)
        }
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: root + "/segments").first)
        let path = root + "/segments/" + segment
        let pristine = try Data(contentsOf: URL(fileURLWithPath: path))
        var generator = SplitMix64(seed: 8)
        for attempt in 0..<24 {
            let position = Int(generator.next() % UInt64(pristine.count))
            var damaged = pristine
            damaged[position] ^= UInt8(1 << (attempt % 8))
            try damaged.write(to: URL(fileURLWithPath: path))
            let vault = try Vault(at: root)
            let report = try Verifier(vault: vault).run(full: true)
            #expect(!report.ok, "flip at \(position) went unnoticed")
            #expect(report.damagedMessages.count == 1, "flip at \(position): \(report.damagedMessages)")
            let named = Set(report.damagedMessages.map(\.contentHash))
            for damagedMessage in report.damagedMessages {
                #expect(damagedMessage.uidls.first?.hasPrefix("u") == true && damagedMessage.segment == segment)
            }
            for (hash, message) in zip(hashes, messages) where !named.contains(hash) {
                #expect(try VaultFixture.read(hash, from: vault) == message, "flip at \(position) broke another message")
            }
        }
        try pristine.write(to: URL(fileURLWithPath: path))
    }

    /// A member's header lies outside the gzip checksums: a flip in any of its bytes, the
    /// account and UIDL it names included, is still found and named (invariant 8).
    @Test func everyHeaderByteFlipIsNamed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.file("vault")
        let messages = VaultFixture.corpus(3)
        do {
            let vault = try Vault(at: root, create: true)
            _ = try VaultFixture.store(messages.enumerated().map { ("u\($0.offset)", $0.element) }, in: vault)
        }
        let segment = try #require(try FileManager.default.contentsOfDirectory(atPath: root + "/segments").first)
        let path = root + "/segments/" + segment
        let pristine = try Data(contentsOf: URL(fileURLWithPath: path))
        guard case .parsed(let header) = GzipHeader.parse(Array(pristine)[...]) else {
            Issue.record("the first member has no readable header")
            return
        }
        for position in 0..<header.length {
            var damaged = pristine
            damaged[position] ^= UInt8(1 << (position % 8))
            try damaged.write(to: URL(fileURLWithPath: path))
            let report = try Verifier(vault: Vault(at: root)).run(full: true)
            #expect(report.damagedMessages.count == 1, "flip at header byte \(position): \(report.damagedMessages)")
        }
        try pristine.write(to: URL(fileURLWithPath: path))
    }

    @Test func truncatedSegmentIsReportedNotFatal() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let root = directory.file("vault")
        do {
            let vault = try Vault(at: root, create: true)
            try VaultFixture.store(VaultFixture.corpus(10).enumerated().map { ("u\($0.offset)", $0.element) }, in: vault)
        }
        let path = root + "/segments/" + (try FileManager.default.contentsOfDirectory(atPath: root + "/segments").first ?? "")
        let size = try #require((try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue)
        #expect(truncate(path, off_t(size - 100)) == 0)
        let vault = try Vault(at: root)
        let report = try Verifier(vault: vault).run(full: true)
        #expect(!report.ok)
        #expect(report.segmentProblems.contains { $0.contains("bytes on disk") })
        #expect(report.damagedMessages.count == 1)
    }
}
