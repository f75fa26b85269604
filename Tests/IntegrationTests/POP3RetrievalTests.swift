import Foundation
import POP3
import POP3Core
import TestSupport
import Testing

@Suite(.serialized) struct POP3RetrievalTests {
    @Test func pipelinedRetrievalOverSTLSAndImplicitTLSMatchesMaildir() async throws {
        var corpus: [CorpusMessage] = []
        try await Fixtures.withDovecot(fill: { server in
            var builder = CorpusBuilder(seed: 7, profile: .test)
            corpus = try builder.fill(maildir: server.maildir(for: "alice"), count: 1000)
        }) { server in
            let expected = Set(corpus.map(\.canonicalSHA256))
            for security in [TransportSecurity.starttls, .implicit] {
                let client = try await POP3Client.connect(to: Fixtures.endpoint(server, security), logger: Fixtures.quietLogger)
                #expect(client.isProtected)
                try await Fixtures.login(client)
                #expect(client.capabilities.pipelining)
                let listing = try await client.uidl()
                #expect(listing.entries.count == 1000)
                let sink = HashingSink()
                try await client.retrieve(listing.entries.map(\.number), into: sink)
                try await client.quit()
                #expect(sink.refused.isEmpty)
                #expect(Set(sink.digests.values) == expected, "\(security): retrieved hashes differ from the Maildir files")
            }
        }
    }

    @Test func fiftyMegabyteMessageStreamsInBoundedMemory() async throws {
        try await Fixtures.withDovecot(fill: { server in
            var builder = CorpusBuilder(seed: 9, profile: CorpusProfile(attachmentEvery: 1, attachmentSize: { _ in 50 * 1024 * 1024 },
                                                                        includeCPythonEmailData: false))
            _ = try builder.fill(maildir: server.maildir(for: "alice"), count: 1)
        }) { server in
            let client = try await POP3Client.connect(to: Fixtures.endpoint(server, .implicit), logger: Fixtures.quietLogger)
            try await Fixtures.login(client)
            let baseline = try MemoryProbe.resetPeak()
            let sink = HashingSink()
            try await client.retrieve([1], into: sink)
            let growth = try MemoryProbe.peakResident() - baseline
            try await client.quit()
            let size = try #require(sink.sizes[1])
            #expect(size > 65 * 1024 * 1024)
            print("50 MB message: \(size) canonical bytes; peak resident growth while retrieving: \(growth / 1024) KiB")
            #expect(growth < 16 * 1024 * 1024, "peak memory grew by \(growth) bytes for a \(size)-byte message")
        }
    }
}

/// Peak resident memory of this process, from /proc (Linux).
enum MemoryProbe {
    /// Resets the kernel's high-water mark (VmHWM) and returns the current resident size.
    static func resetPeak() throws -> Int {
        try "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        return try value("VmRSS")
    }

    static func peakResident() throws -> Int { try value("VmHWM") }

    private static func value(_ key: String) throws -> Int {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        for line in status.split(separator: "\n") where line.hasPrefix(key + ":") {
            let kib = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kib * 1024
        }
        throw TestSupportError("no \(key) in /proc/self/status")
    }
}
