import Config
import Testing
@testable import Backup

/// The accounts whose connections a run begins before anything else: those it starts at once.
@Suite struct FirstWaveTests {
    private func accounts(_ hosts: [String]) throws -> [AccountConfig] {
        var text = "vault = \"/tmp/popvault-first-wave\"\n"
        for (number, host) in hosts.enumerated() {
            text += "[[account]]\nname = \"a\(number)\"\nhost = \"\(host)\"\ntls = \"implicit\"\nuser = \"u\"\npassword_env = \"P\"\n"
        }
        return try ConfigParser.parse(text, file: "test.toml").accounts
    }

    @Test func theFirstParallelAccountsAndAtMostPerHostOfEachServer() throws {
        let all = try accounts(["a.example", "A.example", "b.example", "a.example", "c.example", "d.example"])
        #expect(FirstWave.accounts(all, parallel: 4, perHost: 1).map(\.name) == ["a0", "a2"])
        #expect(FirstWave.accounts(all, parallel: 4, perHost: 2).map(\.name) == ["a0", "a1", "a2"])
        #expect(FirstWave.accounts(all, parallel: 6, perHost: 3).map(\.name) == ["a0", "a1", "a2", "a3", "a4", "a5"])
        #expect(FirstWave.accounts(all, parallel: 1, perHost: 4).map(\.name) == ["a0"])
        #expect(FirstWave.accounts([], parallel: 4, perHost: 2).isEmpty)
    }
}
