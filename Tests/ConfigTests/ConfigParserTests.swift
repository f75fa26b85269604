import Foundation
import Testing
@testable import Config

@Suite struct ConfigParserTests {
    let valid = """
    vault = "/srv/vault"
    [defaults]
    parallel = 2
    compression_level = 3
    [[account]]
    name = "work"
    host = "pop.example.com"
    user = "alice"
    password_env = "PW"
    [[account]]
    name = "home/private"
    host = "pop.example.net"
    port = 110
    tls = "starttls"
    user = "bob"
    token_command = "get-token"
    tls_fingerprint = "sha256:\(Array(repeating: "AB", count: 32).joined(separator: ":"))"
    """

    @Test func parsesAValidConfig() throws {
        let config = try ConfigParser.parse(valid, file: "p.toml")
        #expect(config.vault == "/srv/vault")
        #expect(config.defaults.parallel == 2 && config.defaults.compressionLevel == 3)
        #expect(config.accounts.count == 2)
        #expect(config.accounts[0].port == 995 && config.accounts[0].tls == .implicit && config.accounts[0].auth == .auto)
        #expect(config.accounts[1].id == "home%2Fprivate")
        #expect(config.accounts[1].secret == .tokenCommand("get-token"))
        #expect(config.accounts[1].tlsFingerprint == Array(repeating: 0xAB, count: 32))
    }

    private func errors(_ text: String) -> [ConfigError] {
        do {
            _ = try ConfigParser.parse(text, file: "bad.toml")
            return []
        } catch { return error.errors }
    }

    @Test func syntaxErrorsNameTheLine() {
        let found = errors("vault = \"/v\"\n[[account]\nname = 1\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 2)
        #expect(found.first?.description.hasPrefix("bad.toml:2") == true)
    }

    @Test func schemaErrorsNameKeyPathAndLine() {
        let text = valid.replacingOccurrences(of: "port = 110", with: "port = \"abc\"")
            .replacingOccurrences(of: "password_env = \"PW\"", with: "pasword_env = \"PW\"")
        let found = errors(text)
        let port = found.first { $0.keyPath == "account[1].port" }
        #expect(port?.line == 13)
        #expect(port?.message.contains("expected an integer") == true)
        #expect(found.contains { $0.keyPath == "account[0].pasword_env" && $0.message.contains("did you mean \"password_env\"") })
        #expect(found.contains { $0.keyPath == "account[0]" && $0.message.contains("no secret source") })
    }

    @Test func unsafeOrContradictorySettingsAreRefused() {
        let base = "vault = \"/v\"\n[[account]]\nname = \"a\"\nhost = \"h\"\nuser = \"u\"\npassword_env = \"P\"\n"
        #expect(errors(base + "tls = \"none\"\n").contains { $0.message.contains("allow_plaintext_auth") })
        #expect(errors(base + "tls = \"none\"\nallow_plaintext_auth = true\n").isEmpty)
        #expect(errors(base + "tls = \"starttls\"\nport = 995\n").contains { $0.message.contains("implicit") })
        #expect(errors(base + "auth = \"xoauth2\"\n").contains { $0.message.contains("token_command") })
        #expect(errors(base + "tls = \"tls\"\n").contains { $0.message.contains("\"implicit\", \"starttls\", \"none\"") })
        #expect(errors(base + "password_file = \"/f\"\n").contains { $0.message.contains("several secret sources") })
        #expect(errors(base + base.replacingOccurrences(of: "vault = \"/v\"\n", with: "")).contains { $0.message.contains("same name") })
        #expect(errors("[[account]]\nname = \"a\"\n").contains { $0.message.contains("missing key \"vault\"") })
    }

    @Test func identifiersAreDirectorySafeAndDistinct() {
        #expect(AccountIdentifier.make(from: "../etc") == "%2E%2E%2Fetc")
        #expect(AccountIdentifier.make(from: "a/b") != AccountIdentifier.make(from: "a_b"))
        #expect(AccountIdentifier.make(from: "work-1_x") == "work-1_x")
        #expect(!AccountIdentifier.make(from: "x/../y").contains("/"))
    }

    @Test func sizesAndFingerprints() {
        #expect(ByteSize.parse("500MB") == 500_000_000)
        #expect(ByteSize.parse("2GiB") == 2 << 30)
        #expect(ByteSize.parse("lots") == nil)
        #expect(ConfigParser.parseFingerprint("sha256:00") == nil)
    }

    @Test func pathsInTheConfigAreTakenFromItsDirectory() {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(ConfigLoader.directory(of: "/etc/popvault/popvault.toml") == "/etc/popvault")
        #expect(ConfigLoader.directory(of: "/popvault.toml") == "/")
        #expect(ConfigLoader.directory(of: "popvault.toml") == cwd)
        #expect(ConfigLoader.directory(of: "conf/popvault.toml") == cwd + "/conf")
        #expect(ConfigLoader.resolve("vault", against: "/etc/popvault") == "/etc/popvault/vault")
        #expect(ConfigLoader.resolve("/srv/vault", against: "/etc/popvault") == "/srv/vault")
        #expect(ConfigLoader.resolve("~/vault", against: "/etc/popvault") == NSHomeDirectory() + "/vault")
    }

    @Test func sampleConfigParses() throws {
        let config = try ConfigParser.parse(SampleConfig.text(vault: "/tmp/v"), file: "sample.toml")
        #expect(config.accounts.first?.name == "work")
    }

    /// Values that would overflow or mean nothing are errors naming the key, never a trap.
    @Test func hostileValuesAreErrorsNotTraps() {
        let base = "vault = \"/v\"\n[[account]]\nname = \"a\"\nhost = \"h\"\nuser = \"u\"\npassword_env = \"X\"\n"
        let huge = errors(base + "max_message_size = \"99999999999999G\"\n")
        #expect(huge.contains { $0.keyPath == "account[0].max_message_size" && $0.message.contains("at most") }, "\(huge)")
        let plainWithPin = errors(base.replacingOccurrences(of: "host = \"h\"", with: "host = \"h\"\ntls = \"none\"\nallow_plaintext_auth = true\nca_file = \"/ca.pem\""))
        #expect(plainWithPin.contains { $0.keyPath == "account[0].ca_file" && $0.message.contains("tls = \"none\"") }, "\(plainWithPin)")
        let longName = errors(base.replacingOccurrences(of: "name = \"a\"", with: "name = \"\(String(repeating: "é", count: 200))\""))
        #expect(longName.contains { $0.keyPath == "account[0].name" }, "\(longName)")
        // Found by fuzzing: a control character in a table header stopped TOMLKit's parser with an assertion.
        let control = errors("vault = \"/v\"\n[\u{4}\u{4}defaults]\nparallel = 2\n")
        #expect(control.first?.line == 2 && control.first?.message.contains("U+0004") == true, "\(control)")
        #expect(errors("vault = \"/v\"\n[\r-E[[account]]\n").first?.message.contains("U+000D") == true)
        #expect(errors("vault = \"/v\"\r\n[[account]]\r\nname = \"a\"\r\nhost = \"h\"\r\nuser = \"u\"\r\npassword_env = \"X\"\r\n").isEmpty)
        // "[" and a combining mark after it are one character, but TOMLKit reads a "[" (found by fuzzing).
        for header in ["[+OK]", "[[+x]]", "  [ =a ]", "[", "[[ \t", "[[[x]]]", "[ [x]]", "[\u{065E}a]", "[[\u{0301}x]]"] {
            let headerErrors = errors("vault = \"/v\"\n\(header)\n")
            #expect(headerErrors.first?.line == 2 && headerErrors.first?.message.contains("table header") == true, "\(header): \(headerErrors)")
        }
        #expect(ByteSize.parse("9223372036854775807") == Int.max && ByteSize.parse("9223372036854775808") == nil)
        #expect(ByteSize.parse("2GiB") == 2 << 30 && ByteSize.parse("-1") == nil && ByteSize.parse("١٢MB") == nil)
    }

    /// Every message has a size limit unless the config raises it (200 MB by default).
    @Test func messagesHaveASizeLimitByDefault() throws {
        let config = try ConfigParser.parse(valid, file: "p.toml")
        #expect(config.accounts.allSatisfy { $0.maxMessageBytes == 200_000_000 })
        let raised = try ConfigParser.parse(valid.replacingOccurrences(of: "parallel = 2", with: "parallel = 2\nmax_message_size = \"2GB\""), file: "p.toml")
        #expect(raised.accounts.allSatisfy { $0.maxMessageBytes == 2_000_000_000 })
    }
}
