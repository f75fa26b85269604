import ArgumentParser
import Archive
import Crypto
import Foundation
import Logging
import NIOCore
import POP3
import POP3Core
import TestSupport

/// Retrieves every message of a mailbox with popvault's client, hashing and discarding it
/// (issue 2's benchmark). `--window 1` is one command at a time.
struct RetrieveBench: AsyncParsableCommand {
    @Option var port: Int
    @Option var caFile: String
    @Option var user: String
    @Option var password: String
    @Option var window = 32

    func run() async throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        let endpoint = POP3Endpoint(host: "localhost", port: port, security: .implicit, tls: TLSOptions(caFile: caFile),
                                    pipelineWindow: window)
        let started = Date()
        let client = try await POP3Client.connect(to: endpoint, logger: logger)
        try await client.login(Credentials(user: user, secret: .password(password)), method: .auto, allowPlaintextAuth: false)
        let listing = try await client.uidl()
        let sink = DiscardingSink()
        if window == 1 {
            for entry in listing.entries { try await client.retrieveOneAtATime(entry.number, into: sink) }
        } else {
            try await client.retrieve(listing.entries.map(\.number), into: sink)
        }
        try await client.quit()
        let seconds = Date().timeIntervalSince(started)
        print("messages=\(sink.messages) bytes=\(sink.bytes) seconds=\(String(format: "%.3f", seconds)) peak_rss_kib=\(peakResidentKiB())")
    }
}

final class DiscardingSink: RetrievalSink {
    private var hasher = SHA256()
    private(set) var messages = 0
    private(set) var bytes = 0
    func messageStarted(number: Int) async throws { hasher = SHA256() }
    func messageBytes(_ bytes: [UInt8]) async throws {
        hasher.update(data: bytes)
        self.bytes += bytes.count
    }
    func messageAbandoned(number: Int) async throws {}
    func messageFinished(number: Int) async throws {
        _ = hasher.finalize()
        messages += 1
    }
    func messageRefused(number: Int, reply: StatusLine) async throws {}
}

extension POP3Client {
    /// RETR without pipelining, whatever the server offers.
    func retrieveOneAtATime(_ number: Int, into sink: RetrievalSink) async throws {
        try await retrieve([number], into: sink)
    }
}

/// Stores every message file of a Maildir (in canonical form) into a new vault (issue 3's
/// store benchmark), and writes the canonical bytes to `--dump` for gzip to compress alike.
struct StoreBench: ParsableCommand {
    @Option var maildir: String
    @Option var vault: String
    @Option var level: Int32 = 1
    @Option var dump: String?

    func run() throws {
        var files: [String] = []
        for sub in ["cur", "new"] {
            let dir = maildir + "/" + sub
            files += ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).map { dir + "/" + $0 }
        }
        files.sort()
        var messages: [[UInt8]] = []
        var total = 0
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            let canonical = Canonical.form(Array(data))
            total += canonical.count
            messages.append(canonical)
        }
        if let dump {
            _ = FileManager.default.createFile(atPath: dump, contents: nil)
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: dump))
            for message in messages { handle.write(Data(message)) }
            try handle.close()
        }
        var settings = VaultSettings()
        settings.compressionLevel = level
        let store = try Vault(at: vault, create: true, settings: settings)
        let writer = try store.makeWriter()
        writer.register(account: "bench", name: "bench")
        let stream = try writer.openStream()
        let started = Date()
        for (index, message) in messages.enumerated() {
            try writer.store(message, in: stream, account: "bench", uidl: "u\(index)")
        }
        try writer.close()
        let seconds = Date().timeIntervalSince(started)
        print("messages=\(messages.count) canonical_bytes=\(total) seconds=\(String(format: "%.3f", seconds)) "
            + "mb_per_s=\(String(format: "%.1f", Double(total) / 1e6 / seconds))")
    }
}

/// Indexes `--count` UIDLs of one account, then times the planner's question "which UIDLs of
/// this account are archived?" (issue 3: 100,000 known UIDLs under 0.2 s).
struct LookupBench: AsyncParsableCommand {
    @Option var vault: String
    @Option var count = 100_000

    func run() async throws {
        var settings = VaultSettings()
        settings.batchMessages = 5000
        let store = try Vault(at: vault, create: true, settings: settings)
        let writer = try store.makeWriter()
        writer.register(account: "lookup", name: "lookup")
        let stream = try writer.openStream()
        for index in 0..<count {
            let body = Array("Subject: \(index)\n\nmessage \(index)\n".utf8)
            try writer.store(body, in: stream, account: "lookup", uidl: String(format: "%08X%08X", index, 1_700_000_000))
        }
        try writer.close()
        var timings: [Double] = []
        var found = 0
        for _ in 0..<5 {
            let started = Date()
            let known = try await store.index.archivedMailbox(account: "lookup")
            timings.append(Date().timeIntervalSince(started))
            found = known.count
        }
        timings.sort()
        print("uidls=\(found) lookup_seconds_median=\(String(format: "%.3f", timings[2])) min=\(String(format: "%.3f", timings[0]))")
    }
}

/// This process's peak resident memory (VmHWM), which starts afresh at exec — unlike
/// `ru_maxrss` from wait4, which Linux carries over from the process that spawned it.
func peakResidentKiB() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        return line.split(separator: " ").compactMap { Int($0) }.first ?? 0
    }
    return 0
}
