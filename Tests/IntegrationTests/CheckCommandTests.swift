import Foundation
import TestSupport
import Testing

@Suite(.serialized) struct CheckCommandTests {
    @Test func checkReportsCapabilitiesAndFailures() async throws {
        try await Fixtures.withDovecot(users: [Fixtures.alice, .init("bob", password: "bob-secret")]) { server in
            let directory = try TemporaryDirectory(forTestUser: true)
            defer { directory.remove() }
            let configPath = directory.file("popvault.toml")
            try CLIHarness.config(vault: directory.file("vault"), server: server, accounts: [
                ("alice", "alice", "ALICE_PW"), ("bob", "bob", "BOB_PW"),
            ]).write(toFile: configPath, atomically: true, encoding: .utf8)

            let good = try CLIHarness.run(["check", "--config", configPath],
                                          environment: ["ALICE_PW": "alice-secret", "BOB_PW": "bob-secret"])
            #expect(good.status == 0, "\(good.stdout)\n\(good.stderr)")
            #expect(good.stdout.contains("PIPELINING yes") && good.stdout.contains("UIDL yes"))
            #expect(good.stdout.contains("TLSv1."))
            // The certificate as an administrator reads it: subject, issuer, names, validity, and
            // the pin in the form tls_fingerprint takes, which a config accepts as it is.
            #expect(good.stdout.contains("certificate:  CN=localhost") && good.stdout.contains("issuer:     CN=popvault test CA"))
            #expect(good.stdout.contains("names:      DNS:localhost") && good.stdout.contains("valid:"))
            let pin = try #require(good.stdout.split(separator: "\n").first { $0.contains("tls_fingerprint = ") })
            #expect(pin.contains("\"sha256:") && !good.stdout.contains("NIOSSLCertificate"), "\(good.stdout)")
            #expect(!good.stdout.contains("expires in"), "a certificate valid for 30 days is not near its end")
            var pinned = try String(contentsOfFile: configPath, encoding: .utf8)
            pinned = pinned.replacingOccurrences(of: "ca_file = \"\(server.certificates.caCertificate)\"",
                                                 with: String(pin.drop { $0 == " " }.dropFirst("pin:".count)).trimmingCharacters(in: .whitespaces))
            try pinned.write(toFile: configPath, atomically: true, encoding: .utf8)
            let byPin = try CLIHarness.run(["check", "--config", configPath, "--account", "alice"], environment: ["ALICE_PW": "alice-secret"])
            #expect(byPin.status == 0, "the pin check printed is not one the config takes: \(byPin.stdout)\n\(byPin.stderr)")

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

    /// A certificate that expires within 14 days is named in `check`'s output, even with --quiet.
    @Test func checkWarnsOfACertificateNearItsEnd() async throws {
        let server = try DovecotServer(users: [Fixtures.alice], certificateDays: 3)
        defer { server.shutdown() }
        try server.start()
        let directory = try TemporaryDirectory(forTestUser: true)
        defer { directory.remove() }
        let configPath = directory.file("popvault.toml")
        try CLIHarness.config(vault: directory.file("vault"), server: server, accounts: [("alice", "alice", "ALICE_PW")])
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        let quiet = try CLIHarness.run(["check", "--quiet", "--config", configPath], environment: ["ALICE_PW": "alice-secret"])
        #expect(quiet.status == 0)
        #expect(quiet.stdout.contains("warning:") && quiet.stdout.contains("expires in 2 days"), "\(quiet.stdout)")
    }

    @Test func brokenConfigExitsTwoNamingFileAndKey() throws {
        let directory = try TemporaryDirectory(forTestUser: true)
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
        let directory = try TemporaryDirectory(forTestUser: true)
        defer { directory.remove() }
        let path = directory.file("sub/popvault.toml")
        #expect(try CLIHarness.run(["init", "--config", path]).status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try CLIHarness.run(["init", "--config", path]).status == 2)
    }
}
