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
                // `LIST n`, pipelined, gives the sizes LIST gives, and none for a number the server refuses.
                let everySize = try await client.list()
                let someSizes = try await client.list([1, 500, 1000, 1001])
                #expect(someSizes == everySize.filter { [1, 500, 1000].contains($0.key) } && someSizes.count == 3)
                let sink = HashingSink()
                try await client.retrieve(listing.entries.map(\.number), into: sink)
                try await client.quit()
                #expect(sink.refused.isEmpty)
                #expect(Set(sink.digests.values) == expected, "\(security): retrieved hashes differ from the Maildir files")
                // A run's writer queues pieces and bounds their bytes: a piece must not hold much
                // more memory than its bytes (64 KB buffers for 6 KB messages once took a first
                // backup of 10,000 small messages to 200 MB).
                #expect(sink.largestSpareCapacity < 16 * 1024, "a piece held \(sink.largestSpareCapacity) bytes of spare capacity")
            }
        }
    }

    @Test func fiftyMegabyteMessageStreamsInBoundedMemory() async throws {
        try await Fixtures.withDovecot(fill: { server in
            var builder = CorpusBuilder(seed: 9, profile: CorpusProfile(attachmentEvery: 1, attachmentSize: { _ in 50 * 1024 * 1024 },
                                                                        includeCPythonEmailData: false))
            _ = try builder.fill(maildir: server.maildir(for: "alice"), count: 1)
        }) { server in
            // In a process of its own, so that no other test's memory is counted.
            let output = server.directory.file("retrieve.out")
            let child = try ChildProcess(BuiltProducts.path(of: "popvault-lab"), ["retrieve-bench", "--port", "\(server.tlsPort)",
                                                             "--ca-file", server.certificates.caCertificate,
                                                             "--user", "alice", "--password", Fixtures.alice.password],
                                         stdout: output)
            let status = child.waitForExit()
            let printed = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            #expect(status == 0, "\(printed)")
            func field(_ name: String) -> Int {
                printed.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix(name + "=") }
                    .flatMap { Int($0.dropFirst(name.count + 1)) } ?? 0
            }
            let bytes = field("bytes")
            let peakKiB = field("peak_rss_kib")
            #expect(peakKiB > 0)
            #expect(bytes > 65 * 1024 * 1024)
            print("50 MB message: \(bytes) canonical bytes; peak RSS of the retrieving process: \(peakKiB / 1024) MiB")
            #expect(peakKiB < 64 * 1024, "peak RSS \(peakKiB) KiB for a \(bytes)-byte message")
        }
    }
}
