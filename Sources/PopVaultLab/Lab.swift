import ArgumentParser
import Archive
import Foundation
import TestSupport

/// `popvault-lab`: what the tests, `scripts/demo` and `scripts/bench` need beside popvault itself.
@main
struct Lab: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "popvault-lab",
        abstract: "Test, demo and benchmark helpers for popvault (not installed for users).",
        subcommands: [Serve.self, AddMail.self, StoreLoop.self, RetrieveBench.self, StoreBench.self, LookupBench.self])
}

/// Starts a private Dovecot with users and sample mail, writes `KEY=value` lines describing it
/// to `--info`, and runs until SIGTERM/SIGINT, then stops Dovecot by PID.
struct Serve: ParsableCommand {
    @Option(help: "user:password:count (repeatable): a user and how many corpus messages to give them.")
    var user: [String]

    @Option(help: "Corpus profile: test, realistic or text.")
    var profile = "test"

    @Option(help: "Where to write the server's ports, CA file and PID.")
    var info: String

    func run() throws {
        var users: [DovecotServer.User] = []
        var counts: [String: Int] = [:]
        for spec in user {
            let parts = spec.split(separator: ":").map(String.init)
            guard parts.count == 3, let count = Int(parts[2]) else { throw ValidationError("--user takes user:password:count") }
            users.append(.init(parts[0], password: parts[1]))
            counts[parts[0]] = count
        }
        let server = try DovecotServer(users: users)
        var seed: UInt64 = 1
        for user in users {
            var builder = CorpusBuilder(seed: seed, profile: corpusProfile(profile))
            _ = try builder.fill(maildir: server.maildir(for: user.name), count: counts[user.name] ?? 0)
            seed += 1
        }
        try server.start()
        let lines = ["PLAIN_PORT=\(server.plainPort)", "TLS_PORT=\(server.tlsPort)", "CA_FILE=\(server.certificates.caCertificate)",
                     "SERVER_DIR=\(server.directory.path)", "LAB_PID=\(getpid())"]
            + users.map { "MAILDIR_\($0.name)=\(server.maildir(for: $0.name))" }
        try (lines.joined(separator: "\n") + "\n").write(toFile: info, atomically: true, encoding: .utf8)
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let stop = DispatchSemaphore(value: 0)
        var sources: [DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: signalNumber)
            source.setEventHandler { stop.signal() }
            source.resume()
            sources.append(source)
        }
        stop.wait()
        server.shutdown()
    }
}

/// Adds corpus messages to a Maildir (mail that "arrives" between runs).
struct AddMail: ParsableCommand {
    @Option var maildir: String
    @Option var count: Int
    @Option var seed: UInt64 = 99
    @Option var profile = "test"

    func run() throws {
        var builder = CorpusBuilder(seed: seed, profile: corpusProfile(profile))
        _ = try builder.fill(maildir: maildir, count: count)
        _ = try ProcessRunner.run("/bin/chown", ["-R", "nobody:nogroup", maildir])
    }
}

/// Stores generated messages into a vault in a loop, printing `committed HASH…` after each
/// commit. The crash tests SIGKILL it at random moments.
struct StoreLoop: ParsableCommand {
    @Option var vault: String
    @Option var count: Int = 1_000_000
    @Option var seed: UInt64 = 1
    @Option var batch: Int = 5
    @Option(help: "At most this many messages a second, as a network would pace them (0: no limit).")
    var rate: Int = 0

    func run() throws {
        var settings = VaultSettings()
        settings.batchMessages = batch
        settings.segmentSizeLimit = 2 * 1024 * 1024
        let vault = try Vault(at: vault, create: true, settings: settings)
        let writer = try vault.makeWriter()
        writer.register(account: "crash", name: "crash")
        let stream = try writer.openStream()
        var builder = CorpusBuilder(seed: seed, profile: CorpusProfile(attachmentEvery: 4, attachmentSize: { Int($0 * 300_000) },
                                                                       includeCPythonEmailData: false))
        var uncommitted: [String] = []
        for index in 0..<count {
            if rate > 0 { usleep(useconds_t(1_000_000 / rate)) }
            let message = builder.makeMessage(index)
            try writer.beginMessage(stream, account: "crash", uidl: "seed\(seed)-\(index)")
            try message.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let end = min(raw.count, offset + 8192)
                    try writer.write(stream, UnsafeRawBufferPointer(rebasing: raw[offset..<end]))
                    offset = end
                }
            }
            let outcome = try writer.finishMessage(stream)
            uncommitted.append(outcome.contentHash)
            if writer.shouldCommit {
                try writer.commit()
                report(uncommitted)
                uncommitted.removeAll()
            }
        }
        try writer.close()
        report(uncommitted)
    }

    /// Written unbuffered, so that what the parent reads was really committed before a kill.
    private func report(_ hashes: [String]) {
        FileHandle.standardOutput.write(Data(("committed " + hashes.joined(separator: " ") + "\n").utf8))
    }
}

func corpusProfile(_ name: String) -> CorpusProfile {
    switch name {
    case "realistic": return .realistic
    case "text": return .textOnly
    case "huge": return CorpusProfile(attachmentEvery: 1, attachmentSize: { _ in 50 * 1024 * 1024 }, includeCPythonEmailData: false)
    default: return .test
    }
}
