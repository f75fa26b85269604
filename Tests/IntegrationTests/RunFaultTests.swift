import Foundation
import TestSupport
import Testing

/// Invariants 4 and 5 for the whole job: a killed run or a cut connection loses nothing and
/// duplicates nothing; the next run completes.
@Suite(.serialized) struct RunFaultTests {
    @Test func sigkilledRunsResumeWithoutLossOrDuplicates() async throws {
        try await RunCommandTests.withSetup(users: [("alice", 400), ("bob", 150)]) { setup in
            var generator = SplitMix64(seed: 404)
            for round in 0..<10 {
                let child = try CLIHarness.start(["run", "--quiet", "--config", setup.configPath], environment: setup.environment,
                                                 stdout: setup.directory.file("kill\(round).out"), stderr: setup.directory.file("kill\(round).err"))
                usleep(useconds_t(50_000 + generator.next() % 1_500_000))
                kill(child.pid, SIGKILL)
                child.terminate()
                let verify = try setup.run(["verify", "--full"])
                #expect(verify.status == 0, "round \(round): \(verify.stdout)")
            }
            let final = try setup.run(["run", "--json"])
            #expect(final.status == 0, "\(final.stderr)")
            #expect(try setup.run(["verify", "--full"]).status == 0)
            for user in ["alice", "bob"] {
                let archived = try RunCommandTests.vaultHashes(setup.vault, account: user)
                #expect(Set(archived) == Set(try RunCommandTests.maildirHashes(setup.server, user)), "\(user)")
            }
            let distinct = Set(try RunCommandTests.vaultHashes(setup.vault, account: "alice")
                + RunCommandTests.vaultHashes(setup.vault, account: "bob")).count
            #expect(try RunCommandTests.blobCount(setup.vault) == distinct, "a message is stored more than once")
        }
    }

    @Test func cutConnectionsLeaveNoDuplicatesAndTheNextRunCompletes() async throws {
        for cut in [300, 5_000, 400_000, 1_200_000] {
            let proxy = ProxyBox()
            try await RunCommandTests.withSetup(users: [("alice", 150)], port: { server in
                proxy.start(upstream: server.tlsPort, cut: cut)
            }) { setup in
                let broken = try setup.run(["run", "--json"])
                #expect(broken.status == 1, "cut at \(cut): \(broken.stdout)")
                let result = try setup.accounts(broken)["alice"]?["result"] as? String
                #expect(result == "failed" || result == "partial", "cut at \(cut)")
                proxy.stop()
                let config = try String(contentsOfFile: setup.configPath, encoding: .utf8)
                try config.replacingOccurrences(of: "port = \(proxy.port)", with: "port = \(setup.server.tlsPort)")
                    .write(toFile: setup.configPath, atomically: true, encoding: .utf8)
                let resumed = try setup.run(["run", "--json"])
                #expect(resumed.status == 0, "cut at \(cut): \(resumed.stderr)")
                #expect(Set(try RunCommandTests.vaultHashes(setup.vault, account: "alice"))
                    == Set(try RunCommandTests.maildirHashes(setup.server, "alice")))
                #expect(try RunCommandTests.blobCount(setup.vault) == Set(try RunCommandTests.vaultHashes(setup.vault, account: "alice")).count)
                #expect(try setup.run(["verify", "--full"]).status == 0)
            }
        }
    }
}

/// Holds a fault proxy started from inside the setup's port callback.
final class ProxyBox: @unchecked Sendable {
    private var proxy: FaultProxy?
    var port: Int { proxy?.port ?? 0 }

    func start(upstream: Int, cut: Int) -> Int {
        proxy = try? FaultProxy(upstreamPort: upstream, faults: .init(cutAfterServerBytes: cut))
        return port
    }

    func stop() { proxy?.stop() }
}
