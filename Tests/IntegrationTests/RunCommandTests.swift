import Foundation
import TestSupport
import Testing

/// `popvault run` against a real Dovecot, through the real binary.
@Suite(.serialized) struct RunCommandTests {
    struct Setup {
        let server: DovecotServer
        let directory: TemporaryDirectory
        let configPath: String
        var vault: String { directory.file("vault") }
        var environment: [String: String]

        func run(_ arguments: [String]) throws -> ProcessResult {
            try CLIHarness.run(arguments + ["--config", configPath], environment: environment)
        }

        func report(_ result: ProcessResult) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)\n\(result.stderr)")
        }

        func accounts(_ result: ProcessResult) throws -> [String: [String: Any]] {
            let list = try #require(try report(result)["accounts"] as? [[String: Any]])
            return Dictionary(uniqueKeysWithValues: list.map { ($0["account"] as? String ?? "", $0) })
        }
    }

    static func withSetup(users: [(String, Int)], wrongPasswordFor: Set<String> = [], extraConfig: [String] = [],
                          port: ((DovecotServer) -> Int)? = nil, _ body: (inout Setup) async throws -> Void) async throws {
        let server = try DovecotServer(users: users.map { .init($0.0, password: "\($0.0)-pw") }, extraConfig: extraConfig)
        defer { server.shutdown() }
        var seed: UInt64 = 11
        for (user, count) in users {
            var builder = CorpusBuilder(seed: seed, profile: CorpusProfile(attachmentEvery: 10, attachmentSize: { Int(10_000 + $0 * 300_000) },
                                                                           includeCPythonEmailData: true))
            _ = try builder.fill(maildir: server.maildir(for: user), count: count)
            seed += 1
        }
        try server.start()
        let directory = try TemporaryDirectory(forTestUser: true)
        defer { directory.remove() }
        var environment: [String: String] = [:]
        var accounts: [(String, String, String)] = []
        for (user, _) in users {
            let variable = "PW_\(user.uppercased())"
            environment[variable] = wrongPasswordFor.contains(user) ? "wrong" : "\(user)-pw"
            accounts.append((user, user, variable))
        }
        var config = CLIHarness.config(vault: directory.file("vault"), server: server, accounts: accounts,
                                       extra: "[defaults]\nretries = 1\nparallel = 3\n")
        if let port {
            config = config.replacingOccurrences(of: "port = \(server.tlsPort)", with: "port = \(port(server))")
        }
        let configPath = directory.file("popvault.toml")
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
        var setup = Setup(server: server, directory: directory, configPath: configPath, environment: environment)
        try await body(&setup)
    }

    /// Every message file in the user's Maildir, by canonical SHA-256.
    static func maildirHashes(_ server: DovecotServer, _ user: String) throws -> [String] {
        var hashes: [String] = []
        for sub in ["cur", "new"] {
            let dir = server.maildir(for: user) + "/" + sub
            for name in try FileManager.default.contentsOfDirectory(atPath: dir) {
                let bytes = try #require(FileManager.default.contents(atPath: dir + "/" + name))
                hashes.append(Canonical.sha256Hex(Canonical.form(Array(bytes))))
            }
        }
        return hashes
    }

    /// What the vault holds for an account, read through the index and re-hashed by verify.
    static func vaultHashes(_ vault: String, account: String) throws -> [String] {
        let python = """
        import sqlite3, sys
        db = sqlite3.connect(sys.argv[1])
        for (h,) in db.execute("SELECT contentHash FROM mailboxEntry WHERE accountId = ?", (sys.argv[2],)):
            print(h)
        """
        let result = try ProcessRunner.run(ProcessRunner.which("python3") ?? "/usr/bin/python3", ["-c", python, vault + "/index.sqlite", account])
        return result.stdout.split(separator: "\n").map(String.init)
    }

    static func blobCount(_ vault: String) throws -> Int {
        let result = try ProcessRunner.run("/bin/sh", ["-c", "zcat \(vault)/segments/*.mbox.gz | grep -c '^From MAILER-DAEMON ' || true"])
        return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    @Test func threeAccountsOneFailingThenIncrementalRuns() async throws {
        try await Self.withSetup(users: [("alice", 120), ("bob", 80), ("carol", 10)], wrongPasswordFor: ["carol"]) { setup in
            let first = try setup.run(["run", "--json"])
            #expect(first.status == 1, "\(first.stderr)")
            let accounts = try setup.accounts(first)
            #expect(accounts["alice"]?["result"] as? String == "ok")
            #expect(accounts["bob"]?["result"] as? String == "ok")
            #expect(accounts["carol"]?["result"] as? String == "failed")
            #expect((accounts["carol"]?["advice"] as? String)?.contains("user") == true)
            #expect(accounts["alice"]?["fetched"] as? Int == 120)
            // The index was closed at the end of the run, after the last account recorded its
            // run, while its QUIT was answered: every account's run is there.
            let status = try JSONSerialization.jsonObject(with: Data(try setup.run(["status", "--json"]).stdout.utf8)) as? [[String: Any]]
            let results = Dictionary(uniqueKeysWithValues: (status ?? []).compactMap { entry in
                (entry["account"] as? String).map { ($0, entry["lastResult"] as? String) } })
            #expect(results == ["alice": "ok", "bob": "ok", "carol": "failed"], "runs recorded before the index closed: \(results)")
            for user in ["alice", "bob"] {
                #expect(Set(try Self.vaultHashes(setup.vault, account: user)) == Set(try Self.maildirHashes(setup.server, user)), "\(user)")
            }
            let verify = try setup.run(["verify", "--full"])
            #expect(verify.status == 0, "\(verify.stdout)")

            setup.environment["PW_CAROL"] = "carol-pw"
            let second = try setup.run(["run", "--json", "--account", "alice", "--account", "bob"])
            #expect(second.status == 0)
            #expect(try setup.accounts(second).values.allSatisfy { $0["fetched"] as? Int == 0 })

            var builder = CorpusBuilder(seed: 777, profile: .textOnly)
            _ = try builder.fill(maildir: setup.server.maildir(for: "alice"), count: 100)
            try setup.server.handMailToNobody()
            let third = try setup.run(["run", "--json"])
            #expect(third.status == 0, "\(third.stderr)")
            let after = try setup.accounts(third)
            #expect(after["alice"]?["fetched"] as? Int == 100)
            #expect(after["alice"]?["stored"] as? Int == 100)
            #expect(after["bob"]?["fetched"] as? Int == 0)
            #expect(after["carol"]?["fetched"] as? Int == 10)
            #expect(try Self.blobCount(setup.vault) == Set(try Self.vaultHashes(setup.vault, account: "alice")
                + Self.vaultHashes(setup.vault, account: "bob") + Self.vaultHashes(setup.vault, account: "carol")).count)
        }
    }

    @Test func quietJsonReportMetricsAndStatus() async throws {
        try await Self.withSetup(users: [("alice", 30)]) { setup in
            let reportFile = setup.directory.file("report.json")
            let metrics = setup.directory.file("metrics.prom")
            let quiet = try setup.run(["run", "--quiet", "--report", reportFile, "--metrics-file", metrics])
            #expect(quiet.status == 0)
            #expect(quiet.stdout.isEmpty && quiet.stderr.isEmpty, "quiet printed: \(quiet.stdout)\(quiet.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reportFile))) as? [String: Any])
            let account = try #require((report["accounts"] as? [[String: Any]])?.first)
            #expect(account["fetched"] as? Int == 30 && account["onServerMessages"] as? Int == 30)
            let prom = try String(contentsOfFile: metrics, encoding: .utf8)
            #expect(prom.contains("popvault_account_success{account=\"alice\"} 1"))
            #expect(prom.contains("popvault_account_fetched_messages{account=\"alice\"} 30"))
            let status = try setup.run(["status", "--json"])
            let statuses = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
            #expect(statuses.first?["archivedMessages"] as? Int == 30 && statuses.first?["lastResult"] as? String == "ok")
            setup.environment["PW_ALICE"] = "wrong"
            let failing = try setup.run(["run", "--quiet"])
            #expect(failing.status == 1 && failing.stdout.isEmpty && failing.stderr.contains("alice"))
            let dry = try setup.run(["run", "--dry-run", "--json"])
            #expect(dry.status == 1)
        }
    }

    /// Invariant 3's ground for `run`: a dry run plans but writes nothing to the vault. And a real
    /// run records messages that left the server as "gone", and only those.
    @Test func dryRunWritesNothingAndDeparturesAreRecorded() async throws {
        try await Self.withSetup(users: [("alice", 20)]) { setup in
            #expect(try setup.run(["run"]).status == 0)
            let maildir = setup.server.maildir(for: "alice") + "/cur"
            // Names without Dovecot's flags, which it may change by renaming the file.
            let departing = try FileManager.default.contentsOfDirectory(atPath: maildir).map { $0.split(separator: ":")[0] }.sorted().prefix(3)
            var builder = CorpusBuilder(seed: 4242, profile: .textOnly)
            _ = try builder.fill(maildir: setup.server.maildir(for: "alice"), count: 5)
            try setup.server.handMailToNobody()
            let before = try Self.indexState(setup.vault)
            sleep(1)  // lastListedAt has one-second resolution
            let dry = try setup.run(["run", "--dry-run", "--json"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(try setup.accounts(dry)["alice"]?["planned"] as? Int == 5)
            #expect(try Self.indexState(setup.vault) == before)

            for name in try FileManager.default.contentsOfDirectory(atPath: maildir)
            where departing.contains(name.split(separator: ":")[0]) {
                try FileManager.default.removeItem(atPath: maildir + "/" + name)
            }
            let real = try setup.run(["run", "--json"])
            #expect(real.status == 0, "\(real.stderr)")
            #expect(try setup.accounts(real)["alice"]?["fetched"] as? Int == 5)
            #expect(try Self.indexState(setup.vault).contains("present=22 gone=3"))
        }
    }

    /// The vault lock is taken and the index opened before any server is contacted: a vault in
    /// use or an index that cannot be opened fails the run with its own error, once, not as
    /// account failures, and no server sees a login.
    @Test func vaultProblemsStopTheRunWithTheirOwnError() async throws {
        try await Self.withSetup(users: [("alice", 5)]) { setup in
            #expect(try setup.run(["run"]).status == 0)
            let segments = try FileManager.default.contentsOfDirectory(atPath: setup.vault + "/segments")

            let lock = open(setup.vault + "/lock", O_RDWR)
            #expect(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
            let logins = setup.server.log.components(separatedBy: "Login: user=<alice>").count
            let locked = try setup.run(["run", "--json"])
            close(lock)
            #expect(locked.status != 0 && locked.stdout.isEmpty)
            #expect(locked.stderr.contains("is in use by"), "\(locked.stderr)")
            #expect(setup.server.log.components(separatedBy: "Login: user=<alice>").count == logins,
                    "a run that could not take the vault lock logged in to the server")

            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: setup.vault + "/index.sqlite" + suffix) }
            try Data(repeating: 0x55, count: 8192).write(to: URL(fileURLWithPath: setup.vault + "/index.sqlite"))
            try TestUser.own(setup.vault + "/index.sqlite")
            let damaged = try setup.run(["run", "--json"])
            #expect(damaged.status != 0 && damaged.stdout.isEmpty)
            #expect(damaged.stderr.contains("cannot open the index") && damaged.stderr.contains("popvault reindex"), "\(damaged.stderr)")
            #expect(setup.server.log.components(separatedBy: "Login: user=<alice>").count == logins)
            #expect(!damaged.stderr.contains("cannot record the run"), "\(damaged.stderr)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: setup.vault + "/segments") == segments)
        }
    }

    /// The index's rows and the segment files, as text to compare.
    static func indexState(_ vault: String) throws -> String {
        let python = """
        import os, sqlite3, sys
        db = sqlite3.connect(sys.argv[1])
        q = lambda sql: db.execute(sql).fetchall()
        states = dict(q("SELECT serverState, COUNT(*) FROM mailboxEntry GROUP BY serverState"))
        print("present=%d gone=%d" % (states.get("present", 0), states.get("gone", 0)))
        print(q("SELECT COUNT(*) FROM message"), q("SELECT id, lastListedAt FROM account"), q("SELECT COUNT(*) FROM run"),
              q("SELECT id, state, committedLength FROM segment"), sorted(os.listdir(sys.argv[2])))
        """
        let result = try ProcessRunner.run(ProcessRunner.which("python3") ?? "/usr/bin/python3",
                                           ["-c", python, vault + "/index.sqlite", vault + "/segments"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    @Test func duplicateUIDLsKeepBothMessages() async throws {
        try await Self.withSetup(users: [("alice", 0)], extraConfig: ["pop3_reuse_xuidl = yes"]) { setup in
            var builder = CorpusBuilder(seed: 5, profile: .textOnly)
            for body in ["first message", "second, different message"] {
                _ = try builder.write(Array("X-UIDL: same-uidl\nSubject: \(body)\n\n\(body)\n".utf8), into: setup.server.maildir(for: "alice"))
            }
            try setup.server.handMailToNobody()
            let run = try setup.run(["run", "--json"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(try setup.accounts(run)["alice"]?["duplicatedUIDLs"] as? Int == 1)
            #expect(Set(try Self.vaultHashes(setup.vault, account: "alice")) == Set(try Self.maildirHashes(setup.server, "alice")))
            #expect(try Self.vaultHashes(setup.vault, account: "alice").count == 2)
            let again = try setup.run(["run", "--json"])
            #expect(try setup.accounts(again)["alice"]?["fetched"] as? Int == 0)
            #expect(try setup.accounts(again)["alice"]?["duplicatedUIDLs"] as? Int == 1)
        }
    }

    /// An entry the index lost (here removed by hand) is fetched again by the next run, and
    /// recorded as a duplicate of content already archived, not stored twice.
    @Test func anEntryTheIndexLostIsFetchedAgain() async throws {
        try await Self.withSetup(users: [("alice", 12)]) { setup in
            #expect(try setup.run(["run"]).status == 0)
            let forget = "import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\n"
                + "db.execute('DELETE FROM mailboxEntry WHERE rowid = (SELECT MIN(rowid) FROM mailboxEntry)')\ndb.commit()\n"
            let deleted = try ProcessRunner.run(ProcessRunner.which("python3") ?? "/usr/bin/python3", ["-c", forget, setup.vault + "/index.sqlite"])
            #expect(deleted.status == 0, "\(deleted.stderr)")
            let refetched = try setup.run(["run", "--json"])
            #expect(refetched.status == 0, "\(refetched.stderr)")
            let alice = try #require(try setup.accounts(refetched)["alice"])
            #expect(alice["fetched"] as? Int == 1 && alice["duplicates"] as? Int == 1, "\(alice)")
            #expect(Set(try Self.vaultHashes(setup.vault, account: "alice")) == Set(try Self.maildirHashes(setup.server, "alice")))
            #expect(try Self.vaultHashes(setup.vault, account: "alice").count == 12)
            let human = try setup.run(["run"])
            #expect(human.stdout.contains("fetched 0 (0 new)"), "\(human.stdout)")
        }
    }

    @Test func uidlResetStoresNoNewBytes() async throws {
        try await Self.withSetup(users: [("alice", 60)]) { setup in
            #expect(try setup.run(["run"]).status == 0)
            let blobs = try Self.blobCount(setup.vault)
            setup.server.uidlFormat = "%g"
            try setup.server.restart()
            setup.environment["POPVAULT_CONFIG"] = nil
            let config = try String(contentsOfFile: setup.configPath, encoding: .utf8)
            let updated = config.replacingOccurrences(of: #"port = \d+"#, with: "port = \(setup.server.tlsPort)", options: .regularExpression)
            try updated.write(toFile: setup.configPath, atomically: true, encoding: .utf8)
            let rerun = try setup.run(["run", "--json"])
            #expect(rerun.status == 0, "\(rerun.stderr)")
            let alice = try #require(try setup.accounts(rerun)["alice"])
            #expect(alice["stored"] as? Int == 0 && alice["duplicates"] as? Int == 60)
            #expect(try setup.run(["run"]).stdout.contains("fetched 0"))
            #expect(try Self.blobCount(setup.vault) == blobs)
            #expect(try setup.run(["verify", "--full"]).status == 0)
        }
    }
}
