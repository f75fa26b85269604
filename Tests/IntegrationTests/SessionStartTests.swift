import POP3
import POP3Core
import Synchronization
import TestSupport
import Testing

/// Which commands a backup session's start sends together, seen from a scripted server: a real
/// one answers whatever arrives, so it cannot show what the client waited for.
@Suite struct SessionStartTests {
    private let credentials = Credentials(user: "u", secret: .password("p"))

    private func endpoint(_ server: ScriptedPOP3Server) -> POP3Endpoint {
        POP3Endpoint(host: "127.0.0.1", port: server.port, security: .none,
                     timeouts: POP3Timeouts(connect: .seconds(5), reply: .seconds(3)))
    }

    /// A server offering SASL PLAIN and PIPELINING that accepts `password`. After login its
    /// capabilities are `capabilitiesAfterLogin`, and it answers CAPA, STAT and UIDL only once
    /// UIDL has arrived: a client that waited for CAPA's reply before sending STAT would wait
    /// until its reply time-out.
    private func pipeliningServer(password: String = "p", capabilitiesAfterLogin: String = "UIDL\r\nPIPELINING\r\n")
        throws -> ScriptedPOP3Server {
        final class State: Sendable { let loggedIn = Mutex(false) }
        let state = State()
        let accepted = "AUTH PLAIN " + SASL.plain(user: "u", password: password)
        return try ScriptedPOP3Server(respond: { line in
            let loggedIn = state.loggedIn.withLock { $0 }
            switch line {
            case "CAPA" where !loggedIn: return [.send("+OK\r\nSASL PLAIN\r\nPIPELINING\r\n.\r\n")]
            case "CAPA", "STAT": return []
            case "UIDL":
                return [.send("+OK\r\n\(capabilitiesAfterLogin).\r\n+OK 2 300\r\n+OK\r\n1 a\r\n2 b\r\n.\r\n")]
            case accepted:
                state.loggedIn.withLock { $0 = true }
                return [.send("+OK logged in\r\n")]
            case "QUIT": return [.send("+OK bye\r\n"), .close]
            default: return [.send("-ERR no\r\n")]
            }
        })
    }

    /// A server offering USER and PIPELINING that accepts any USER and PASS, and answers STAT
    /// and UIDL together with `afterUIDL` once UIDL has arrived.
    private func userPassServer(afterUIDL replies: String) throws -> ScriptedPOP3Server {
        try ScriptedPOP3Server(respond: { line in
            switch line.split(separator: " ").first.map(String.init) ?? "" {
            case "CAPA": return [.send("+OK\r\nUSER\r\nUIDL\r\nPIPELINING\r\n.\r\n")]
            case "USER", "PASS": return [.send("+OK\r\n")]
            case "STAT": return []
            case "UIDL": return [.send(replies)]
            case "QUIT": return [.send("+OK bye\r\n"), .close]
            default: return [.send("-ERR no\r\n")]
            }
        })
    }

    @Test func afterALoginCAPASTATAndUIDLGoTogether() async throws {
        let server = try pipeliningServer()
        defer { server.stop() }
        let client = try await POP3Client.connect(to: endpoint(server), logger: Fixtures.quietLogger)
        let (stat, listing) = try await client.loginAndList(credentials, method: .auto, allowPlaintextAuth: true)
        #expect(stat.count == 2 && stat.size == 300)
        #expect(listing.count == 2)
        try await client.quit()
        #expect(server.received.map { $0.split(separator: " ").first.map(String.init) ?? "" }
            == ["CAPA", "AUTH", "CAPA", "STAT", "UIDL", "QUIT"])
    }

    /// USER and PASS carry the CAPA that follows a login; STAT and UIDL go together once it is read.
    @Test func afterUSERAndPASSSTATAndUIDLGoTogether() async throws {
        let server = try userPassServer(afterUIDL: "+OK 1 100\r\n+OK\r\n1 a\r\n.\r\n")
        defer { server.stop() }
        let client = try await POP3Client.connect(to: endpoint(server), logger: Fixtures.quietLogger)
        let (stat, listing) = try await client.loginAndList(credentials, method: .user, allowPlaintextAuth: true)
        #expect(stat.count == 1 && listing.count == 1)
        try await client.quit()
        #expect(server.received == ["CAPA", "USER u", "PASS p", "CAPA", "STAT", "UIDL", "QUIT"])
    }

    /// Nothing follows a login before the server has accepted it.
    @Test func aRefusedLoginIsFollowedByNothing() async throws {
        let server = try pipeliningServer(password: "other")
        defer { server.stop() }
        let client = try await POP3Client.connect(to: endpoint(server), logger: Fixtures.quietLogger)
        await #expect(throws: POP3Error.self) {
            _ = try await client.loginAndList(credentials, method: .auto, allowPlaintextAuth: true)
        }
        await client.abandon()
        #expect(server.received.map { $0.split(separator: " ").first.map(String.init) ?? "" } == ["CAPA", "AUTH"])
    }

    /// Leaving mail on the server needs UIDL; a server that does not announce it after login is
    /// refused, even though its UIDL was already asked for.
    @Test func aServerWithoutUIDLAfterLoginIsRefused() async throws {
        let server = try pipeliningServer(capabilitiesAfterLogin: "PIPELINING\r\n")
        defer { server.stop() }
        let client = try await POP3Client.connect(to: endpoint(server), logger: Fixtures.quietLogger)
        var category: String?
        do {
            _ = try await client.loginAndList(credentials, method: .auto, allowPlaintextAuth: true)
        } catch {
            category = (error as? POP3Error)?.category
        }
        await client.abandon()
        #expect(category == "unsupported")
    }
}
