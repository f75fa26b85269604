import Foundation
import NIOCore
import TestSupport
import Testing

/// `popvault run` against servers that misbehave in ways no real server in a test does
/// (`ScriptedMailbox`): a terminator glued to the last line, absurd sizes, a reply that stalls
/// or trickles, a password command that never ends. Through the real binary, as an ordinary user.
@Suite(.serialized) struct HostileServerTests {
    struct Setup {
        let directory: TemporaryDirectory
        let configPath: String
        var vault: String { directory.file("vault") }

        func run(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
            try CLIHarness.run(arguments + ["--config", configPath], environment: environment)
        }
    }

    /// A vault and a config for one account on `port` (plaintext: the scripted server speaks no TLS).
    static func setup(port: Int, defaults: String = "", account: String = "password_env = \"PW\"") throws -> Setup {
        let directory = try TemporaryDirectory(forTestUser: true)
        let configPath = directory.file("popvault.toml")
        try """
        vault = "\(directory.file("vault"))"
        [defaults]
        \(defaults.contains("retries") ? "" : "retries = 1")
        \(defaults)
        [[account]]
        name = "hostile"
        host = "127.0.0.1"
        port = \(port)
        tls = "none"
        allow_plaintext_auth = true
        user = "u"
        \(account)
        """.write(toFile: configPath, atomically: true, encoding: .utf8)
        return Setup(directory: directory, configPath: configPath)
    }

    /// Messages with the shapes that make framing hard: lines that are a single `.`, dot-stuffed
    /// lines, a last line without its line end, one ending in `.`, one that is only `.`.
    static let awkwardMessages: [[UInt8]] = [
        "Subject: one\n\nfirst body\nlast line without end",
        "Subject: two\n\n.\n..two dots\n.x\nends in a dot.",
        "Subject: three\n\nnormal message\n",
        "Subject: four\n\nthe last line is a dot\n.",
        "Subject: five\n\n+OK looks like a reply.\nand ends without a line end",
        "Subject: six\n\nbody\n",
    ].map { Array($0.utf8) }

    /// Exchange 2000's glued terminator, pipelined and one at a time: every message archived
    /// byte for byte as its canonical form, none holding another reply, the run done in seconds.
    @Test func gluedTerminatorsAreFramedByTheAnnouncedSizes() async throws {
        for pipelining in [true, false] {
            for octets in [true, false] {
                var quirks = ScriptedMailbox.Quirks()
                quirks.gluedTerminator = true
                quirks.pipelining = pipelining
                quirks.octetsInRETR = octets
                let mailbox = ScriptedMailbox(messages: Self.awkwardMessages, quirks: quirks)
                let server = try mailbox.serve()
                defer { server.stop() }
                let setup = try Self.setup(port: server.port, defaults: "reply_timeout = 600")
                defer { setup.directory.remove() }
                let run = try setup.run(["run", "--json"], environment: ["PW": "p"])
                let label = "pipelining \(pipelining), octets \(octets)"
                #expect(run.status == 0, "\(label): \(run.stdout)\n\(run.stderr)")
                let stored = Set(try RunCommandTests.vaultHashes(setup.vault, account: "hostile"))
                #expect(stored == Set(Self.awkwardMessages.map { Canonical.sha256Hex(Canonical.form($0)) }), "\(label)")
                let replies = try ProcessRunner.run("/bin/sh", ["-c", "zcat \(setup.vault)/segments/*.mbox.gz | grep -c 'octets' || true"])
                #expect(replies.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(label): a reply was stored in a message")
                #expect(try setup.run(["verify", "--full"]).status == 0)
                #expect(!server.received.contains { $0.uppercased().hasPrefix("DELE") }, "invariant 2: no DELE in this version")
            }
        }
    }

    /// Invariant 3: a dry run logs in and plans; it retrieves nothing, deletes nothing, and
    /// makes no vault.
    @Test func aDryRunRetrievesAndDeletesNothing() async throws {
        let server = try ScriptedMailbox(messages: Self.awkwardMessages).serve()
        defer { server.stop() }
        let setup = try Self.setup(port: server.port)
        defer { setup.directory.remove() }
        let dry = try setup.run(["run", "--dry-run", "--json"], environment: ["PW": "p"])
        #expect(dry.status == 0 && dry.stdout.contains("\"planned\" : \(Self.awkwardMessages.count)"), "\(dry.stdout)\(dry.stderr)")
        #expect(!server.received.contains { $0.hasPrefix("RETR") || $0.hasPrefix("DELE") }, "\(server.received)")
        #expect(!FileManager.default.fileExists(atPath: setup.vault))
    }

    /// A message quoting a POP3 session (a line ending in `.`, then one starting `+OK`) looks,
    /// pipelined, like a reply swallowed by a glued terminator: the session is not trusted past
    /// it, and the next attempt fetches that message alone. Nothing is stored twice or merged.
    @Test func aReplyLikeLineAfterADotLineIsFetchedAgainAlone() async throws {
        let transcript = Array("Subject: a session\n\nI typed RETR 1.\n+OK 120 octets\nand it went on\n".utf8)
        let messages = [transcript] + Self.awkwardMessages
        let server = try ScriptedMailbox(messages: messages).serve()
        defer { server.stop() }
        let setup = try Self.setup(port: server.port, defaults: "retries = 2")
        defer { setup.directory.remove() }
        let run = try setup.run(["run", "--json"], environment: ["PW": "p"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let account = try #require((report["accounts"] as? [[String: Any]])?.first)
        #expect(account["attempts"] as? Int == 2 && (account["errors"] as? [String])?.first?.contains("framing") == true, "\(account)")
        let stored = try RunCommandTests.vaultHashes(setup.vault, account: "hostile")
        #expect(Set(stored) == Set(messages.map { Canonical.sha256Hex(Canonical.form($0)) }) && stored.count == messages.count)
        #expect(try RunCommandTests.blobCount(setup.vault) == messages.count)
    }

    /// LIST sizes near Int.max are summed and shown without trapping; the messages are named
    /// as over max_message_size, and the process ends with its own exit code, not a signal.
    @Test func absurdListSizesAreReportedNotFatal() async throws {
        var quirks = ScriptedMailbox.Quirks()
        quirks.listedSize = "999999999999999999"
        let server = try ScriptedMailbox(messages: Self.awkwardMessages, quirks: quirks).serve()
        defer { server.stop() }
        let setup = try Self.setup(port: server.port)
        defer { setup.directory.remove() }
        let run = try setup.run(["run", "--json"], environment: ["PW": "p"])
        #expect(run.status == 1, "\(run.stdout)\n\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let account = try #require((report["accounts"] as? [[String: Any]])?.first)
        #expect((account["skipped"] as? [[String: Any]])?.count == Self.awkwardMessages.count)
        #expect((account["skipped"] as? [[String: Any]])?.allSatisfy { ($0["reason"] as? String)?.contains("max_message_size") == true } == true)
        #expect(account["plannedBytes"] as? Int == 0)
    }

    /// SIGTERM while a reply stalls: the run waits the stop's grace, drops the connection,
    /// commits what is complete, and exits 1 naming the account, long before the reply time-out.
    @Test func aStopEndsWithinItsGraceWhenAReplyStalls() async throws {
        var quirks = ScriptedMailbox.Quirks()
        quirks.stallsAt = 4
        quirks.pipelining = false
        let server = try ScriptedMailbox(messages: Self.awkwardMessages, quirks: quirks).serve()
        defer { server.stop() }
        let setup = try Self.setup(port: server.port, defaults: "reply_timeout = 3600\nstop_grace = 2")
        defer { setup.directory.remove() }
        let child = try CLIHarness.start(["run", "--config", setup.configPath], environment: ["PW": "p"],
                                         stdout: setup.directory.file("out"), stderr: setup.directory.file("err"))
        for _ in 0..<600 where !server.received.contains("RETR 4") { usleep(50_000) }
        #expect(server.received.contains("RETR 4"))
        usleep(300_000)
        kill(child.pid, SIGTERM)
        let exited = Self.waitForExit(child, seconds: 60)
        let stderr = (try? String(contentsOfFile: setup.directory.file("err"), encoding: .utf8)) ?? ""
        #expect(exited == 1, "exit \(String(describing: exited)): \(stderr)")
        #expect(stderr.contains("hostile") && stderr.contains("grace"), "\(stderr)")
        #expect(Set(try RunCommandTests.vaultHashes(setup.vault, account: "hostile")).count == 3, "the three messages before the stall are committed")
    }

    /// A server that trickles a byte every half second never goes silent, so the reply time-out
    /// never fires: the account time limit ends the session inside the retrieval.
    @Test func aTricklingServerIsStoppedAtTheAccountTimeLimit() async throws {
        var quirks = ScriptedMailbox.Quirks()
        quirks.tricklesAt = (number: 2, interval: .milliseconds(500))
        quirks.pipelining = false
        let server = try ScriptedMailbox(messages: Self.awkwardMessages, quirks: quirks).serve()
        defer { server.stop() }
        let setup = try Self.setup(port: server.port, defaults: "reply_timeout = 3600\naccount_time_limit = 3")
        defer { setup.directory.remove() }
        let child = try CLIHarness.start(["run", "--json", "--config", setup.configPath], environment: ["PW": "p"],
                                         stdout: setup.directory.file("out"), stderr: setup.directory.file("err"))
        let exited = Self.waitForExit(child, seconds: 60)
        let stdout = (try? String(contentsOfFile: setup.directory.file("out"), encoding: .utf8)) ?? ""
        #expect(exited == 1, "exit \(String(describing: exited)): \(stdout)")
        #expect(stdout.contains("account time limit"), "\(stdout)")
        #expect(try RunCommandTests.vaultHashes(setup.vault, account: "hostile").count == 1)
    }

    /// A password command that never ends (a `pass` waiting for a terminal cron does not have)
    /// is killed at secret_timeout, with what it started, and the account fails naming it.
    @Test func aPasswordCommandThatHangsIsStoppedAtItsTimeout() async throws {
        let server = try ScriptedMailbox(messages: Self.awkwardMessages).serve()
        defer { server.stop() }
        let marker = "\(Int.random(in: 100_000...999_999)).5"
        let setup = try Self.setup(port: server.port, defaults: "secret_timeout = 2",
                                   account: "password_command = \"echo start >&2; sleep \(marker); echo never\"")
        defer { setup.directory.remove() }
        let child = try CLIHarness.start(["run", "--json", "--config", setup.configPath],
                                         stdout: setup.directory.file("out"), stderr: setup.directory.file("err"))
        let exited = Self.waitForExit(child, seconds: 60)
        let stdout = (try? String(contentsOfFile: setup.directory.file("out"), encoding: .utf8)) ?? ""
        #expect(exited == 1, "exit \(String(describing: exited)): \(stdout)")
        #expect(stdout.contains("password_command") && stdout.contains("did not finish within 2 s"), "\(stdout)")
        #expect(Self.processes(running: "sleep \(marker)").isEmpty, "the command's child is still running")
    }

    /// The PIDs whose command line contains `text` (from /proc, as pgrep -f would find them).
    static func processes(running text: String) -> [String] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return pids.filter { $0.allSatisfy(\.isNumber) }.filter { pid in
            let line = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { Data($0.map { $0 == 0 ? 32 : $0 }) }
            return line.map { String(decoding: $0, as: UTF8.self).contains(text) } ?? false
        }
    }

    /// The child's exit status, or nil if it is still running after `seconds` (then killed).
    static func waitForExit(_ child: ChildProcess, seconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while child.isRunning && Date() < deadline { usleep(50_000) }
        if child.isRunning {
            child.terminate(grace: 1)
            return nil
        }
        return child.waitForExit()
    }
}
