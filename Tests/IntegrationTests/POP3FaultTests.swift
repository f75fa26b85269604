import Foundation
import POP3
import POP3Core
import Synchronization
import TestSupport
import Testing

/// Faults no real server produces, from a scripted server.
@Suite struct POP3FaultTests {
    private func endpoint(_ server: ScriptedPOP3Server) -> POP3Endpoint {
        POP3Endpoint(host: "127.0.0.1", port: server.port, security: .none,
                     timeouts: POP3Timeouts(connect: .seconds(5), reply: .seconds(3)))
    }

    /// A script that logs in anyone, lists two messages, and answers RETR with `retr`.
    private func script(retr: @escaping @Sendable (String) -> [ScriptedPOP3Server.Action]) -> @Sendable (String) -> [ScriptedPOP3Server.Action] {
        { line in
            switch line.split(separator: " ").first.map(String.init) ?? "" {
            case "CAPA": return [.send("+OK\r\nUSER\r\nUIDL\r\nPIPELINING\r\n.\r\n")]
            case "USER", "PASS", "NOOP": return [.send("+OK\r\n")]
            case "UIDL": return [.send("+OK\r\n1 a\r\n2 b\r\n.\r\n")]
            case "RETR": return retr(line)
            case "QUIT": return [.send("+OK bye\r\n"), .close]
            default: return [.send("-ERR unknown\r\n")]
            }
        }
    }

    private func session(_ server: ScriptedPOP3Server) async throws -> POP3Client {
        let client = try await POP3Client.connect(to: endpoint(server), logger: Fixtures.quietLogger)
        try await client.login(Credentials(user: "u", secret: .password("p")), method: .user, allowPlaintextAuth: true)
        return client
    }

    private func category(of body: () async throws -> Void) async -> String? {
        do { try await body(); return nil } catch { return (error as? POP3Error)?.category ?? "untyped: \(error)" }
    }

    /// Gmail announces UIDL only after login. With PIPELINING, the CAPA that follows a login
    /// goes out with USER and PASS, and its reply, given after PASS, replaces what CAPA said before.
    @Test func capabilitiesAfterLoginReplaceThoseBefore() async throws {
        final class LoginState: Sendable { let loggedIn = Mutex(false) }
        let state = LoginState()
        let server = try ScriptedPOP3Server(respond: { line in
            switch line.split(separator: " ").first.map(String.init) ?? "" {
            case "CAPA":
                let uidl = state.loggedIn.withLock { $0 } ? "UIDL\r\n" : ""
                return [.send("+OK\r\nUSER\r\n\(uidl)PIPELINING\r\n.\r\n")]
            case "PASS":
                state.loggedIn.withLock { $0 = true }
                return [.send("+OK\r\n")]
            case "USER": return [.send("+OK\r\n")]
            case "QUIT": return [.send("+OK bye\r\n"), .close]
            default: return [.send("-ERR unknown\r\n")]
            }
        })
        defer { server.stop() }
        let client = try await POP3Client.connect(to: endpoint(server), logger: Fixtures.quietLogger)
        #expect(!client.capabilities.has("UIDL"))
        try await client.login(Credentials(user: "u", secret: .password("p")), method: .user, allowPlaintextAuth: true)
        #expect(client.capabilities.has("UIDL"))
        try await client.quit()
        #expect(server.received == ["CAPA", "USER u", "PASS p", "CAPA", "QUIT"])
    }

    /// A plaintext server on a port configured for implicit TLS: its greeting arrives before the
    /// TLS handler (named as plaintext) or after it (the handshake fails); either way the session
    /// ends before any command is sent.
    @Test func implicitTLSToAPlaintextServerEndsBeforeAnyCommand() async throws {
        let server = try ScriptedPOP3Server(respond: script { _ in [] })
        defer { server.stop() }
        var endpoint = endpoint(server)
        endpoint.security = .implicit
        let category = await category { _ = try await POP3Client.connect(to: endpoint, logger: Fixtures.quietLogger) }
        #expect(category == "protocol" || category == "tls", "\(category ?? "connected")")
        #expect(server.received.isEmpty)
    }

    /// A CA file that is no certificate fails the session before any command, and the TCP
    /// connection made while the TLS context was being set up is closed.
    @Test func unusableCAFileFailsAndClosesTheConnection() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let caFile = directory.file("ca.pem")
        #expect(FileManager.default.createFile(atPath: caFile, contents: Data("not a certificate\n".utf8)))
        let server = try ScriptedPOP3Server(respond: script { _ in [] })
        defer { server.stop() }
        var endpoint = endpoint(server)
        endpoint.security = .implicit
        endpoint.tls = TLSOptions(caFile: caFile)
        let category = await category { _ = try await POP3Client.connect(to: endpoint, logger: Fixtures.quietLogger) }
        #expect(category == "tls", "\(category ?? "connected")")
        for _ in 0..<200 where server.closedConnections == 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.closedConnections == 1 && server.received.isEmpty)
    }

    @Test func overlongStatusLineIsAProtocolError() async throws {
        let server = try ScriptedPOP3Server(respond: script { _ in [.send("+OK " + String(repeating: "x", count: 20_000))] })
        defer { server.stop() }
        let client = try await session(server)
        #expect(await category { try await client.retrieve([1], into: HashingSink()) } == "protocol")
        await client.abandon()
    }

    /// Capped however it arrives: here with its line end, all in one network read.
    @Test func overlongStatusLineWithItsLineEndIsAProtocolError() async throws {
        let server = try ScriptedPOP3Server(respond: script { _ in [.send("+OK " + String(repeating: "x", count: 20_000) + "\r\n")] })
        defer { server.stop() }
        let client = try await session(server)
        #expect(await category { try await client.retrieve([1], into: HashingSink()) } == "protocol")
        await client.abandon()
    }

    @Test func garbageRepliesAreProtocolErrors() async throws {
        let server = try ScriptedPOP3Server(respond: script { _ in [.sendBytes([0x00, 0xFF, 0x13, 0x0D, 0x0A])] })
        defer { server.stop() }
        let client = try await session(server)
        #expect(await category { try await client.retrieve([1, 2], into: HashingSink()) } == "protocol")
        await client.abandon()
        let garbageGreeting = try ScriptedPOP3Server(greeting: "HELLO THERE\r\n", respond: { _ in [] })
        defer { garbageGreeting.stop() }
        #expect(await category { _ = try await POP3Client.connect(to: endpoint(garbageGreeting), logger: Fixtures.quietLogger) } == "protocol")
    }

    @Test func connectionClosedMidMessageIsTyped() async throws {
        let server = try ScriptedPOP3Server(respond: script { _ in [.send("+OK\r\nFrom: x\r\n\r\nhalf a mess"), .close] })
        defer { server.stop() }
        let client = try await session(server)
        let sink = HashingSink()
        let result = await category { try await client.retrieve([1, 2], into: sink) }
        #expect(result == "connection-closed", "got \(String(describing: result))")
        #expect(sink.digests.isEmpty)
    }

    @Test func stalledServerTimesOut() async throws {
        let server = try ScriptedPOP3Server(respond: script { _ in [.send("+OK\r\nFrom: x\r\n\r\nand then nothing")] })
        defer { server.stop() }
        let client = try await session(server)
        #expect(await category { try await client.retrieve([1], into: HashingSink()) } == "timeout")
        await client.abandon()
    }

    @Test func refusedMessageIsReportedAndSessionGoesOn() async throws {
        let server = try ScriptedPOP3Server(respond: script { line in
            line == "RETR 1" ? [.send("-ERR [SYS/TEMP] Can't get the letter, try again later\r\n")]
                             : [.send("+OK\r\nSubject: two\r\n\r\n..dot\r\n.\r\n")]
        })
        defer { server.stop() }
        let client = try await session(server)
        let sink = HashingSink()
        try await client.retrieve([1, 2], into: sink)
        #expect(sink.refused == [1])
        #expect(sink.sizes[2] == "Subject: two\n\n.dot\n".utf8.count)
        try await client.quit()
    }

    @Test func plaintextServerGetsNoCredentialsByDefault() async throws {
        let server = try ScriptedPOP3Server(respond: script { _ in [] })
        defer { server.stop() }
        let client = try await POP3Client.connect(to: endpoint(server), logger: Fixtures.quietLogger)
        #expect(await category {
            try await client.login(Credentials(user: "u", secret: .password("p")), method: .auto, allowPlaintextAuth: false)
        } == "insecure")
        await client.abandon()
        #expect(!server.received.contains { $0.hasPrefix("USER") || $0.hasPrefix("PASS") || $0.hasPrefix("AUTH") })
    }
}
