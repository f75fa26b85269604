import Foundation
import TestSupport
import Testing

/// Accounts that receive the same mail (family members, colleagues on one list): eight
/// sessions store identical content at the same moment. Every run completes, and the vault
/// holds each content once, mapped to every account. On a two-core machine a blocking wait on
/// Swift's cooperative threads deadlocked exactly this (issue 22).
@Suite(.serialized) struct SharedContentTests {
    @Test func eightAccountsOnOneMailboxStoreEachMessageOnceInEveryRun() async throws {
        let server = try DovecotServer(users: [.init("shared", password: "shared-pw")])
        defer { server.shutdown() }
        var builder = CorpusBuilder(seed: 21, profile: CorpusProfile(attachmentEvery: 5, attachmentSize: { Int(2_000 + $0 * 200_000) },
                                                                     includeCPythonEmailData: false))
        let corpus = try builder.fill(maildir: server.maildir(for: "shared"), count: 40)
        try server.start()
        let accounts = (1...8).map { (name: "member\($0)", user: "shared", passwordVariable: "SHARED_PW") }
        for round in 1...20 {
            let directory = try TemporaryDirectory(forTestUser: true)
            defer { directory.remove() }
            let vault = directory.file("vault")
            let configPath = directory.file("popvault.toml")
            try CLIHarness.config(vault: vault, server: server, accounts: accounts,
                                  extra: "[defaults]\nparallel = 8\nper_host_connections = 8\nretries = 1\n")
                .write(toFile: configPath, atomically: true, encoding: .utf8)
            let started = Date()
            let run = try CLIHarness.run(["run", "--quiet", "--config", configPath], environment: ["SHARED_PW": "shared-pw"])
            #expect(run.status == 0, "round \(round): \(run.stderr)")
            #expect(Date().timeIntervalSince(started) < 120, "round \(round) took \(Date().timeIntervalSince(started)) s")
            #expect(try RunCommandTests.blobCount(vault) == corpus.count, "round \(round): a message is stored more than once")
            for account in accounts {
                #expect(Set(try RunCommandTests.vaultHashes(vault, account: account.name)) == Set(corpus.map(\.canonicalSHA256)),
                        "round \(round): \(account.name)")
            }
            if round == 1 || round == 20 {
                #expect(try CLIHarness.run(["verify", "--full", "--vault", vault]).status == 0)
            }
        }
    }
}
