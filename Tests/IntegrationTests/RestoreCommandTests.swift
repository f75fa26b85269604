import Crypto
import Foundation
import TestSupport
import Testing
@testable import Archive

/// Getting mail back (`restore`, `export`, `search`, `show`), through the binary as an ordinary
/// user, from vaults a real Dovecot filled.
@Suite(.serialized) struct RestoreCommandTests {
    /// Messages with known dates, senders and subjects, some in encoded words of three charsets.
    static let dated: [(name: String, text: String)] = [
        ("koeln", "Date: Mon, 01 Jan 2024 10:00:00 +0000\nFrom: Alice <alice@example.org>\nSubject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=\n\nthe quarterly report\n"),
        ("resume", "Date: 15 Feb 2024 12:00 GMT+0100\nFrom: =?ISO-8859-1?Q?Bj=F6rn?= <bjorn@example.net>\nSubject: =?iso-8859-1?q?R=E9sum=E9?=\n\ninvoice attached\n"),
        ("quoted", "Date: Thu, 31 Dec 98 23:00:00 EST\nFrom: carol@example.com\nSubject: =?windows-1252?Q?=93Quoted=94_text_=80?=\n\nthe budget\n"),
        ("undated", "Date: sometime soon\nFrom: Dave <dave@example.org>\nSubject: plain subject\n\nanother report\n"),
        ("adjacent", "Date: Tue, 02 Jan 2024 08:00:00 +0000\nFrom: Eve <eve@example.org>\nSubject: =?UTF-8?Q?Hello?= =?UTF-8?Q?_World?=\n\nnothing here\n"),
    ]

    static func hash(_ text: String) -> String { Canonical.sha256Hex(Canonical.form(Array(text.utf8))) }

    private func selected(_ setup: RunCommandTests.Setup, _ filters: [String]) throws -> Set<String> {
        let result = try setup.run(["restore", "--dry-run", "--json", "--to", setup.directory.file("unused")] + filters)
        #expect(result.status == 0, "\(filters): \(result.stderr)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return Set(((summary["deliveries"] as? [[String: Any]]) ?? []).compactMap { $0["contentHash"] as? String })
    }

    private func names(_ wanted: String...) -> Set<String> {
        Set(Self.dated.filter { wanted.contains($0.name) }.map { Self.hash($0.text) })
    }

    /// Each filter, and their combination, selects exactly the expected messages; header
    /// fields are searched decoded; dates in the forms real mail has are read.
    @Test func filtersSelectExactlyTheExpectedMessages() async throws {
        try await RunCommandTests.withSetup(users: [("alice", 0), ("bob", 0)]) { setup in
            var builder = CorpusBuilder(seed: 3, profile: .textOnly)
            for (index, message) in Self.dated.enumerated() {
                _ = try builder.write(Array(message.text.utf8), into: setup.server.maildir(for: index < 3 ? "alice" : "bob"))
            }
            try setup.server.handMailToNobody()
            #expect(try setup.run(["run"]).status == 0)
            #expect(try selected(setup, []) == names("koeln", "resume", "quoted", "undated", "adjacent"))
            #expect(try selected(setup, ["--account", "alice"]) == names("koeln", "resume", "quoted"))
            #expect(try selected(setup, ["--since", "2024-01-01", "--until", "2024-01-31"]) == names("koeln", "adjacent"))
            #expect(try selected(setup, ["--since", "2024-01-02"]) == names("resume", "undated", "adjacent"))
            #expect(try selected(setup, ["--since", "1999-01-01", "--until", "1999-01-01"]) == names("quoted"))
            #expect(try selected(setup, ["--until", "2024-01-01T10:00:00"]) == names("koeln", "quoted"))
            #expect(try selected(setup, ["--from", "*@example.org>"]) == names("koeln", "undated", "adjacent"))
            #expect(try selected(setup, ["--from", "björn"]) == names("resume"))
            #expect(try selected(setup, ["--subject", "GRÜSSE aus köln"]) == [])
            #expect(try selected(setup, ["--subject", "grüße aus köln"]) == names("koeln"))
            #expect(try selected(setup, ["--subject", "résumé"]) == names("resume"))
            #expect(try selected(setup, ["--subject", "“quoted” text €"]) == names("quoted"))
            #expect(try selected(setup, ["--subject", "hello world"]) == names("adjacent"))
            #expect(try selected(setup, ["--query", "report"]) == names("koeln", "undated"))
            #expect(try selected(setup, ["--query", "report", "--account", "bob"]) == names("undated"))
            let resume = Self.hash(Self.dated[1].text)
            #expect(try selected(setup, ["--hash", String(resume.prefix(8))]) == [resume])

            let search = try setup.run(["search", "--json", "koln"])
            let hits = try #require(try JSONSerialization.jsonObject(with: Data(search.stdout.utf8)) as? [[String: Any]])
            #expect(hits.count == 1 && hits.first?["subject"] as? String == "Grüße aus Köln", "\(search.stdout)")
            let line = try setup.run(["search", "subject:résumé"])
            #expect(line.status == 0 && line.stdout.hasPrefix(String(resume.prefix(12)) + "  2024-02-15  Björn <bjorn@example.net>  Résumé"), "\(line.stdout)")
            let bad = try setup.run(["search", "\"unbalanced"])
            #expect(bad.status == 2 && bad.stderr.contains("double quotes"), "\(bad.status) \(bad.stderr)")

            let shown = try setup.run(["show", String(resume.prefix(6))])
            #expect(Canonical.sha256Hex(Array(shown.stdout.utf8)) == resume)
            let header = try setup.run(["show", "--headers", resume])
            #expect(header.stdout.hasSuffix("Subject: =?iso-8859-1?q?R=E9sum=E9?=\n\n") && !header.stdout.contains("invoice"))
            #expect(try setup.run(["show", "0000000000"]).stderr.contains("no message"))
        }
    }

    /// Archive a mailbox, restore it into a Maildir, serve that Maildir as a second Dovecot
    /// user, and back it up again into a second vault: the same contents, each restored file's
    /// SHA-256 its content hash, dated by its Date header; a second restore writes nothing,
    /// even after the messages were read (moved to cur/ with flags).
    @Test func aRestoredMaildirServesTheSameMessagesBack() async throws {
        try await RunCommandTests.withSetup(users: [("alice", 60), ("bob", 0)]) { setup in
            #expect(try setup.run(["run"]).status == 0)
            let archived = Set(try RunCommandTests.vaultHashes(setup.vault, account: "alice"))
            let maildir = setup.server.maildir(for: "bob")
            try setup.server.handMailToNobody()
            let restore = try setup.run(["restore", "--account", "alice", "--to", maildir])
            #expect(restore.status == 0 && restore.stdout.contains("60 written"), "\(restore.stdout)\(restore.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: maildir + "/new")
            #expect(files.count == 60)
            for name in files {
                let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: maildir + "/new/" + name)))
                #expect(Canonical.sha256Hex(bytes) == name, "\(name) holds other bytes")
                let summary = HeaderSummary.parse(bytes)
                var status = stat()
                #expect(stat(maildir + "/new/" + name, &status) == 0)
                if let date = summary.dateTime { #expect(Int(status.st_mtim.tv_sec) == date, "\(name): mtime is not its Date") }
            }
            // Bob's copy is served by Dovecot and backed up again, into a vault of its own.
            let second = setup.directory.file("second.toml")
            try CLIHarness.config(vault: setup.directory.file("vault2"), server: setup.server, accounts: [("bob", "bob", "PW_BOB")])
                .write(toFile: second, atomically: true, encoding: .utf8)
            let backup = try CLIHarness.run(["run", "--config", second], environment: setup.environment)
            #expect(backup.status == 0, "\(backup.stderr)")
            let again = Set(try RunCommandTests.vaultHashes(setup.directory.file("vault2"), account: "bob"))
            #expect(again == archived && again.count == 60)

            // Read by mail clients: Dovecot moved them to cur/; a client adds flags to some names.
            // Restoring again writes nothing.
            for name in try FileManager.default.contentsOfDirectory(atPath: maildir + "/cur").prefix(10) {
                let flagged = name.contains(":2,") ? name + "RS" : name + ":2,RS"
                try FileManager.default.moveItem(atPath: maildir + "/cur/" + name, toPath: maildir + "/cur/" + flagged)
            }
            let repeated = try setup.run(["restore", "--account", "alice", "--to", maildir])
            #expect(repeated.status == 0 && repeated.stdout.contains("0 written, 60 already there"), "\(repeated.stdout)")
        }
    }

    /// Invariant 8: a damaged message is named and not restored (exit 3); the others are.
    @Test func aDamagedMessageIsNamedAndTheRestRestored() async throws {
        try await RunCommandTests.withSetup(users: [("alice", 30)]) { setup in
            #expect(try setup.run(["run"]).status == 0)
            let python = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            row = db.execute("SELECT m.contentHash, s.name, m.offset, m.memberLength FROM message m JOIN segment s ON s.id = m.segmentId "
                             "ORDER BY m.memberLength DESC LIMIT 1").fetchone()
            print(*row)
            """
            let found = try ProcessRunner.run(ProcessRunner.which("python3") ?? "/usr/bin/python3", ["-c", python, setup.vault + "/index.sqlite"])
            let fields = found.stdout.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            let (hash, segment, offset, length) = (fields[0], fields[1], try #require(Int(fields[2])), try #require(Int(fields[3])))
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: setup.vault + "/segments/" + segment))
            try handle.seek(toOffset: UInt64(offset + length / 2))
            let byte = try #require(try handle.read(upToCount: 1)?.first)
            try handle.seek(toOffset: UInt64(offset + length / 2))
            try handle.write(contentsOf: [byte ^ 0x20])
            try handle.close()
            let target = setup.directory.file("restored")
            let restore = try setup.run(["restore", "--account", "alice", "--to", target])
            #expect(restore.status == 3 && restore.stderr.contains(hash), "\(restore.stdout)\(restore.stderr)")
            #expect(restore.stdout.contains("29 written, 0 already there, 1 damaged"), "\(restore.stdout)")
            let files = try FileManager.default.contentsOfDirectory(atPath: target + "/new")
            #expect(files.count == 29 && !files.contains(hash))
            #expect(try FileManager.default.contentsOfDirectory(atPath: target + "/tmp").isEmpty)
        }
    }

    /// A restore killed at random moments and run again ends with exactly one copy of each
    /// message, and nothing left in tmp/.
    @Test func aRestoreKilledHalfWayResumes() async throws {
        try await RunCommandTests.withSetup(users: [("alice", 150)]) { setup in
            #expect(try setup.run(["run"]).status == 0)
            let target = setup.directory.file("restored")
            var generator = SplitMix64(seed: 77)
            for round in 0..<6 {
                let child = try CLIHarness.start(["restore", "--to", target, "--account", "alice", "--config", setup.configPath],
                                                 environment: setup.environment,
                                                 stdout: setup.directory.file("r\(round).out"), stderr: setup.directory.file("r\(round).err"))
                usleep(useconds_t(20_000 + generator.next() % 400_000))
                kill(child.pid, SIGKILL)
                child.terminate()
            }
            let started = Date()
            let final = try setup.run(["restore", "--to", target, "--account", "alice"])
            #expect(final.status == 0, "\(final.stderr)")
            let files = try FileManager.default.contentsOfDirectory(atPath: target + "/new")
            #expect(files.count == 150 && Set(files).count == 150)
            #expect(Set(files) == Set(try RunCommandTests.vaultHashes(setup.vault, account: "alice")))
            for name in try FileManager.default.contentsOfDirectory(atPath: target + "/tmp") {
                let modified = try FileManager.default.attributesOfItem(atPath: target + "/tmp/" + name)[.modificationDate] as? Date
                #expect((modified ?? .distantPast) >= started.addingTimeInterval(-1), "\(name) was left in tmp/ by an earlier restore")
            }
        }
    }

    /// An mbox export reads back with Python's mailbox module, byte for byte once mboxrd's
    /// quoting is undone; .eml files are the messages.
    @Test func exportsAreReadByOtherTools() async throws {
        try await RunCommandTests.withSetup(users: [("alice", 40)]) { setup in
            #expect(try setup.run(["run"]).status == 0)
            let archived = Set(try RunCommandTests.vaultHashes(setup.vault, account: "alice"))
            let mbox = setup.directory.file("all.mbox")
            #expect(try setup.run(["export", "--to", mbox]).status == 0)
            let script = """
            import hashlib, mailbox, re, sys
            for key in mailbox.mbox(sys.argv[1]).keys():
                raw = mailbox.mbox(sys.argv[1]).get_bytes(key)
                print(hashlib.sha256(re.sub(rb'(?m)^>(>*From )', rb'\\1', raw)).hexdigest())
            """
            let python = try ProcessRunner.run(ProcessRunner.which("python3") ?? "/usr/bin/python3", ["-c", script, mbox])
            #expect(python.status == 0, "\(python.stderr)")
            let hashes = python.stdout.split(separator: "\n").map(String.init)
            #expect(Set(hashes) == archived && hashes.count == archived.count)
            #expect(try setup.run(["export", "--to", mbox]).status != 0, "an existing file was overwritten")

            let emls = setup.directory.file("eml")
            #expect(try setup.run(["export", "--format", "eml", "--to", emls]).status == 0)
            let files = try FileManager.default.contentsOfDirectory(atPath: emls)
            #expect(Set(files.map { String($0.dropLast(4)) }) == archived)
            let piped = try setup.run(["export", "--to", "-", "--hash", String(archived.sorted()[0].prefix(10))])
            #expect(piped.stdout.hasPrefix("From MAILER-DAEMON "))
        }
    }

    /// The readers work on a copy of the vault that the user may only read, and beside a run
    /// that is writing.
    @Test func readersWorkOnAReadOnlyCopyAndBesideARun() async throws {
        try await RunCommandTests.withSetup(users: [("alice", 300)]) { setup in
            #expect(try setup.run(["run"]).status == 0)
            let copy = setup.directory.file("copy")
            #expect(try ProcessRunner.run("/bin/cp", ["-a", setup.vault, copy]).status == 0)
            #expect(try ProcessRunner.run("/bin/chown", ["-R", "root:root", copy]).status == 0)
            #expect(try ProcessRunner.run("/bin/chmod", ["-R", "a+rX,go-w,u-w", copy]).status == 0)
            let id = try #require(try RunCommandTests.vaultHashes(copy, account: "alice").first)
            #expect(try CLIHarness.run(["search", "--vault", copy, "corpus"]).status == 0)
            #expect(try CLIHarness.run(["show", "--vault", copy, id]).status == 0)
            #expect(try CLIHarness.run(["export", "--vault", copy, "--to", "-", "--hash", id]).status == 0)
            let restored = try CLIHarness.run(["restore", "--vault", copy, "--to", setup.directory.file("from-copy")])
            #expect(restored.status == 0 && restored.stdout.contains("300 written"), "\(restored.stdout)\(restored.stderr)")
            #expect(try CLIHarness.run(["verify", "--vault", copy]).status == 0)

            var builder = CorpusBuilder(seed: 31, profile: CorpusProfile(attachmentEvery: 1, attachmentSize: { _ in 400_000 }, includeCPythonEmailData: false))
            _ = try builder.fill(maildir: setup.server.maildir(for: "alice"), count: 200)
            try setup.server.handMailToNobody()
            let run = try CLIHarness.start(["run", "--config", setup.configPath], environment: setup.environment,
                                           stdout: setup.directory.file("run.out"), stderr: setup.directory.file("run.err"))
            var beside = 0
            while run.isRunning && beside < 20 {
                #expect(try setup.run(["search", "corpus"]).status == 0)
                #expect(try setup.run(["restore", "--dry-run", "--to", setup.directory.file("x")]).status == 0)
                beside += 1
            }
            #expect(run.waitForExit() == 0)
            #expect(beside > 0, "the run ended before a reader could run beside it")
        }
    }

    /// A vault whose account names and UIDLs are hostile: restore writes only inside DIR.
    @Test func hostileNamesInAVaultWriteNothingOutsideTheTarget() async throws {
        let directory = try TemporaryDirectory(forTestUser: true)
        defer { directory.remove() }
        let root = directory.file("vault")
        let hostile = ["../../escape", "/etc/cron.d/x", "..", "a\u{0}b", String(repeating: "n", count: 300), "fine"]
        do {
            let vault = try Vault(at: root, create: true)
            let writer = try vault.makeWriter()
            let stream = try writer.openStream()
            for (index, account) in hostile.enumerated() {
                writer.register(account: account, name: account)
                try writer.store(Array("Subject: \(index)\n\nbody \(index)\n".utf8), in: stream, account: account, uidl: "../\(index)/\u{1}")
            }
            try writer.close()
            try vault.close()
        }
        try TestUser.own(root)
        let target = directory.file("target/inside")
        let result = try CLIHarness.run(["restore", "--vault", root, "--to", target])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let everything = try FileManager.default.subpathsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix("vault") }
        #expect(everything.allSatisfy { $0 == "target" || $0.hasPrefix("target/inside") }, "\(everything)")
        let maildirs = try FileManager.default.contentsOfDirectory(atPath: target).sorted()
        #expect(maildirs.count == hostile.count && maildirs.contains("fine"), "\(maildirs)")
        #expect(maildirs.allSatisfy { !$0.contains(".") && !$0.contains("/") && $0.utf8.count <= 200 }, "\(maildirs)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("escape")))
    }
}
