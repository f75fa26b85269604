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
            let child = try ChildProcess(VaultFixture.labBinary(), ["store-loop", "--vault", root, "--seed", "\(round + 1)"], stdout: output)
            usleep(useconds_t(100_000 + generator.next() % 900_000))
            kill(child.pid, SIGKILL)
            child.terminate()
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.hasPrefix("committed") {
                committed.formUnion(line.split(separator: " ").dropFirst().map(String.init))
            }
            // Opening recovers; then everything must verify and every committed message read back.
            let vault = try Vault(at: root)
            let report = try Verifier(vault: vault).run(full: true)
            #expect(report.ok, "round \(round): \(report.segmentProblems) \(report.damagedMessages)")
            // verify --full re-hashed every indexed message; each committed one must be indexed.
            for hash in committed {
                #expect(try vault.index.hasMessage(hash), "round \(round): committed message \(hash) is lost")
            }
            for hash in committed.prefix(5) {
                #expect(Canonical.sha256Hex(try VaultFixture.read(hash, from: vault)) == hash, "round \(round)")
            }
        }
        #expect(committed.count > 50, "the child committed too little to test anything")
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
