import Foundation
import TestSupport
import Testing

/// What anyone who can touch a file, or a server, may try through the binary: files planted in
/// the vault, control sequences in replies, a report path that is a symlink, a full disk under
/// stdout, a config others may edit.
@Suite(.serialized) struct UntrustedInputTests {
    private func digest(_ path: String) throws -> String {
        Canonical.sha256Hex(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    /// An unknown file and a symlink named like segments: `verify` reports both (exit 3) and
    /// changes nothing; `run` warns and leaves them, and its own segments never take their names.
    @Test func plantedSegmentFilesAreReportedAndNeverTouched() async throws {
        try await RunCommandTests.withSetup(users: [("alice", 20)]) { setup in
            #expect(try setup.run(["run"]).status == 0)
            let segments = setup.vault + "/segments"
            var random = SplitMix64(seed: 23)
            try Data((0..<5000).map { _ in UInt8(truncatingIfNeeded: random.next()) }).write(to: URL(fileURLWithPath: segments + "/000098.mbox.gz"))
            let victim = setup.directory.file("victim.txt")
            try String(repeating: "keep me\n", count: 100).write(toFile: victim, atomically: true, encoding: .utf8)
            #expect(symlink(victim, segments + "/000099.mbox.gz") == 0)
            try TestUser.own(segments + "/000098.mbox.gz")
            try TestUser.own(victim)
            let planted = try digest(segments + "/000098.mbox.gz")
            let precious = try digest(victim)

            let verify = try setup.run(["verify"])
            #expect(verify.status == 3, "\(verify.stdout)")
            #expect(verify.stdout.contains("000098.mbox.gz") && verify.stdout.contains("000099.mbox.gz"), "\(verify.stdout)")
            #expect(try digest(segments + "/000098.mbox.gz") == planted && digest(victim) == precious)

            var builder = CorpusBuilder(seed: 99, profile: .textOnly)
            _ = try builder.fill(maildir: setup.server.maildir(for: "alice"), count: 5)
            try setup.server.handMailToNobody()
            let run = try setup.run(["run", "--quiet"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("000098.mbox.gz") && run.stderr.contains("leaves it alone"), "\(run.stderr)")
            #expect(try digest(segments + "/000098.mbox.gz") == planted && digest(victim) == precious)
            let names = try FileManager.default.contentsOfDirectory(atPath: segments)
            #expect(names.contains { $0 > "000099.mbox.gz" }, "the run's segment was not numbered past the planted files: \(names)")

            let quarantined = try setup.run(["reindex", "--quarantine"])
            #expect(quarantined.status == 0, "\(quarantined.stdout)\(quarantined.stderr)")
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: setup.vault + "/quarantine")) == ["000098.mbox.gz", "000099.mbox.gz"])
            #expect(try digest(victim) == precious)
            #expect(try setup.run(["verify", "--full"]).status == 0)
        }
    }

    /// Control sequences and bidi overrides in a server's reply reach the terminal escaped.
    @Test func serverTextReachesTheTerminalEscaped() async throws {
        let server = try ScriptedPOP3Server(respond: { line in
            switch line.split(separator: " ").first.map(String.init) ?? "" {
            case "CAPA": return [.send("+OK\r\nUSER\r\nUIDL\r\n.\r\n")]
            case "USER": return [.send("+OK\r\n")]
            case "PASS": return [.send("-ERR [AUTH] no \u{1B}[2J\u{1B}[31mred\u{202E}desrever\u{07}\r\n")]
            default: return [.send("-ERR\r\n")]
            }
        })
        defer { server.stop() }
        let setup = try HostileServerTests.setup(port: server.port)
        defer { setup.directory.remove() }
        for command in [["run"], ["check"]] {
            let result = try setup.run(command, environment: ["PW": "p"])
            let text = result.stdout + result.stderr
            #expect(result.status == 1)
            #expect(!text.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" || $0 == "\u{07}" }, "\(command): \(text)")
            #expect(text.contains("\\u{1B}[2J") && text.contains("\\u{202E}"), "\(command): \(text)")
        }
        // In JSON they are JSON's own escapes, so the output stays valid JSON.
        let json = try setup.run(["check", "--json"], environment: ["PW": "p"])
        #expect(!json.stdout.unicodeScalars.contains { $0 == "\u{1B}" || $0 == "\u{202E}" })
        let reports = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect((reports.first?["error"] as? String)?.contains("\u{202E}") == true, "\(json.stdout)")
    }

    /// The report is written to a new file renamed over the path: a symlink planted there is
    /// replaced, never written through, and the report is the user's alone (0600).
    @Test func reportAndMetricsAreWrittenSafely() async throws {
        try await RunCommandTests.withSetup(users: [("alice", 3)]) { setup in
            let victim = setup.directory.file("victim.txt")
            try "do not overwrite\n".write(toFile: victim, atomically: true, encoding: .utf8)
            try TestUser.own(victim)
            let report = setup.directory.file("report.json")
            #expect(symlink(victim, report) == 0)
            let metrics = setup.directory.file("metrics.prom")
            #expect(try setup.run(["run", "--quiet", "--report", report, "--metrics-file", metrics]).status == 0)
            #expect(try String(contentsOfFile: victim, encoding: .utf8) == "do not overwrite\n")
            var status = stat()
            #expect(lstat(report, &status) == 0 && status.st_mode & S_IFMT == S_IFREG && status.st_mode & 0o777 == 0o600)
            #expect(lstat(metrics, &status) == 0 && status.st_mode & 0o777 == 0o644)
            #expect(try String(contentsOfFile: report, encoding: .utf8).contains("\"fetched\" : 3"))
        }
    }

    /// Results that cannot be written (a full disk under `> file`) are an error, not a silent 0.
    @Test func aFailedWriteOfResultsIsAnError() async throws {
        try await RunCommandTests.withSetup(users: [("alice", 3)]) { setup in
            #expect(try setup.run(["run"]).status == 0)
            let (program, words) = TestUser.command(CLIHarness.binary, ["status", "--json", "--config", setup.configPath])
            let shell = ([program] + words).map { "'\($0)'" }.joined(separator: " ") + " > /dev/full"
            let result = try ProcessRunner.run("/bin/sh", ["-c", shell], environment: CLIHarness.environment(setup.environment))
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.contains("cannot write the results"), "\(result.stderr)")
        }
    }

    /// With --quiet (cron), a config others may write to is still warned about on stderr.
    @Test func warningsReachStderrEvenWhenQuiet() async throws {
        try await RunCommandTests.withSetup(users: [("alice", 2)]) { setup in
            chmod(setup.configPath, 0o666)
            let quiet = try setup.run(["run", "--quiet"])
            #expect(quiet.status == 0 && quiet.stdout.isEmpty)
            #expect(quiet.stderr.contains("can be written by others"), "\(quiet.stderr)")
        }
    }
}
