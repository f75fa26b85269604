import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct CheckCommandTests {
    @Test func checkReportsCapabilitiesAndFailures() async throws {
        try await Fixtures.withDovecot(users: [Fixtures.alice, .init("bob", password: "bob-secret")]) { server in
            let directory = try TemporaryDirectory()
            defer { directory.remove() }
            let configPath = directory.file("popvault.toml")
            try CLIHarness.config(vault: directory.file("vault"), server: server, accounts: [
                ("alice", "alice", "ALICE_PW"), ("bob", "bob", "BOB_PW"),
            ]).write(toFile: configPath, atomically: true, encoding: .utf8)

            let good = try CLIHarness.run(["check", "--config", configPath],
                                          environment: ["ALICE_PW": "alice-secret", "BOB_PW": "bob-secret"])
            #expect(good.status == 0, "\(good.stdout)\n\(good.stderr)")
            #expect(good.stdout.contains("PIPELINING yes") && good.stdout.contains("UIDL yes"))
            #expect(good.stdout.contains("SHA-256:") && good.stdout.contains("TLSv1."))

            let json = try CLIHarness.run(["check", "--config", configPath, "--json", "--account", "bob"],
                                          environment: ["ALICE_PW": "x", "BOB_PW": "bob-secret"])
            #expect(json.status == 0)
            let reports = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
            #expect(reports?.count == 1 && reports?.first?["pipelining"] as? Bool == true)

            let wrong = try CLIHarness.run(["check", "--config", configPath],
                                           environment: ["ALICE_PW": "alice-secret", "BOB_PW": "wrong-canary-pw"])
            #expect(wrong.status == 1)
            #expect(wrong.stdout.contains("account \"bob\"") && wrong.stdout.contains("FAILED"))
            #expect(wrong.stdout.contains("authentication failed"))
            #expect(!(wrong.stdout + wrong.stderr).contains("wrong-canary-pw"))
        }
    }

    @Test func brokenConfigExitsTwoNamingFileAndKey() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("broken.toml")
        try "vault = \"/tmp/v\"\n[[account]]\nname = \"a\"\nhost = \"h\"\nuser = \"u\"\npassword_env = \"X\"\nport = \"many\"\n"
            .write(toFile: path, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["check", "--config", path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("broken.toml:7: account[0].port"), "\(result.stderr)")
        let missing = try CLIHarness.run(["check", "--config", directory.file("absent.toml")])
        #expect(missing.status == 2 && missing.stderr.contains("popvault init"))
        let usage = try CLIHarness.run(["check", "--no-such-flag"])
        #expect(usage.status == 2)
    }

    @Test func initWritesASampleThatParses() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("sub/popvault.toml")
        #expect(try CLIHarness.run(["init", "--config", path]).status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try CLIHarness.run(["init", "--config", path]).status == 2)
    }
}
