import Foundation
import Logging
import POP3
import POP3Core
import TestSupport
import Testing

@Suite(.serialized) struct POP3AuthTests {
    static let longToken = "tok-" + String(repeating: "x", count: 300)
    static let oauthTokens = ["good-token": "alice", longToken: "alice"]

    @Test func everyAuthMethodLogsInToDovecot() async throws {
        try await Fixtures.withDovecot(oauthTokens: Self.oauthTokens) { server in
            for method in [AuthMethod.auto, .user, .apop, .plain] {
                let client = try await POP3Client.connect(to: Fixtures.endpoint(server, .implicit), logger: Fixtures.quietLogger)
                try await Fixtures.login(client, method: method)
                #expect(client.isAuthenticated, "\(method)")
                _ = try await client.stat()
                try await client.quit()
            }
            for method in [AuthMethod.xoauth2, .oauthbearer, .auto] {
                for token in ["good-token", Self.longToken] {
                    let client = try await POP3Client.connect(to: Fixtures.endpoint(server, .starttls), logger: Fixtures.quietLogger)
                    try await client.login(Credentials(user: "alice", secret: .token(token)), method: method, allowPlaintextAuth: false)
                    #expect(client.isAuthenticated, "\(method) with a \(token.count)-byte token")
                    try await client.quit()
                }
            }
        }
    }

    @Test func badOAuthTokenFailsWithoutHanging() async throws {
        try await Fixtures.withDovecot(oauthTokens: Self.oauthTokens) { server in
            for method in [AuthMethod.xoauth2, .oauthbearer] {
                let client = try await POP3Client.connect(to: Fixtures.endpoint(server, .implicit, replyTimeout: .seconds(20)),
                                                          logger: Fixtures.quietLogger)
                await #expect(throws: POP3Error.self) {
                    try await client.login(Credentials(user: "alice", secret: .token("expired")), method: method, allowPlaintextAuth: false)
                }
                do {
                    try await client.login(Credentials(user: "alice", secret: .token("expired")), method: method, allowPlaintextAuth: false)
                } catch let error as POP3Error {
                    #expect(error.category == "auth", "\(method): \(error)")
                }
                await client.abandon()
            }
        }
    }

    @Test func wrongPasswordIsAnAuthError() async throws {
        try await Fixtures.withDovecot { server in
            let client = try await POP3Client.connect(to: Fixtures.endpoint(server, .implicit), logger: Fixtures.quietLogger)
            do {
                try await client.login(Credentials(user: "alice", secret: .password("wrong")), method: .auto, allowPlaintextAuth: false)
                Issue.record("login with a wrong password succeeded")
            } catch let error as POP3Error {
                #expect(error.category == "auth", "\(error)")
            }
            await client.abandon()
        }
    }

    @Test func certificateProblemsAreNamed() async throws {
        try await Fixtures.withDovecot { server in
            func failure(_ endpoint: POP3Endpoint) async -> POP3Error? {
                do {
                    let client = try await POP3Client.connect(to: endpoint, logger: Fixtures.quietLogger)
                    await client.abandon()
                    return nil
                } catch { return error as? POP3Error }
            }
            // Unknown CA: the system trust store does not know the test CA.
            let unknown = await failure(Fixtures.endpoint(server, .implicit, useCA: false))
            #expect(unknown?.description.contains("not trusted") == true, "\(String(describing: unknown))")
            // The certificate names localhost only; by address it is a mismatch.
            let mismatch = await failure(Fixtures.endpoint(server, .implicit, host: "127.0.0.1"))
            #expect(mismatch?.description.contains("another name") == true, "\(String(describing: mismatch))")
            // A wrong pin fails even though the CA is trusted; so does it over STLS.
            for security in [TransportSecurity.implicit, .starttls] {
                let pinned = await failure(Fixtures.endpoint(server, security, fingerprint: Array(repeating: 0xAB, count: 32)))
                #expect(pinned?.description.contains("pinned") == true, "\(String(describing: pinned))")
            }
            // The right pin alone (no CA) is trusted.
            let client = try await POP3Client.connect(to: Fixtures.endpoint(server, .implicit), logger: Fixtures.quietLogger)
            let fingerprint = try #require(client.tlsInfo?.fingerprint)
            await client.abandon()
            let bytes = fingerprint.split(separator: ":").compactMap { UInt8($0, radix: 16) }
            let pinnedClient = try await POP3Client.connect(to: Fixtures.endpoint(server, .implicit, useCA: false, fingerprint: bytes),
                                                            logger: Fixtures.quietLogger)
            try await Fixtures.login(pinnedClient)
            try await pinnedClient.quit()
        }
    }

    @Test func strippedSTLSSendsNoCredential() async throws {
        try await Fixtures.withDovecot { server in
            let proxy = try FaultProxy(upstreamPort: server.plainPort, faults: .init(stripSTLS: true))
            defer { proxy.stop() }
            var endpoint = Fixtures.endpoint(server, .starttls)
            endpoint.port = proxy.port
            do {
                let client = try await POP3Client.connect(to: endpoint, logger: Fixtures.quietLogger)
                try await Fixtures.login(client)
                Issue.record("connected without STLS")
            } catch let error as POP3Error {
                #expect(error.category == "insecure", "\(error)")
            }
            let sent = String(decoding: proxy.clientBytes, as: UTF8.self)
            #expect(!sent.contains("alice-secret") && !sent.contains("USER") && !sent.contains("AUTH") && !sent.contains("PASS"),
                    "the client sent: \(sent)")
        }
    }

    @Test func bytesInjectedAfterSTLSAreRefused() async throws {
        try await Fixtures.withDovecot { server in
            let proxy = try FaultProxy(upstreamPort: server.plainPort, faults: .init(injectAfterSTLSReply: "+OK injected\r\n"))
            defer { proxy.stop() }
            var endpoint = Fixtures.endpoint(server, .starttls)
            endpoint.port = proxy.port
            do {
                let client = try await POP3Client.connect(to: endpoint, logger: Fixtures.quietLogger)
                await client.abandon()
                Issue.record("injected bytes were accepted")
            } catch let error as POP3Error {
                #expect(error.category == "protocol", "\(error)")
            }
        }
    }

    @Test func canaryPasswordNeverAppearsInLogs() async throws {
        let canary = "Canary-7f3e9a-secret"
        let user = DovecotServer.User("carol", password: canary)
        try await Fixtures.withDovecot(users: [user], oauthTokens: ["canary-token-7f3e9a": "carol"]) { server in
            let store = CapturingLogHandler.Store()
            let logger = CapturingLogHandler.logger(store)
            var errors: [String] = []
            for method in [AuthMethod.user, .plain, .apop] {
                for secret in [canary, canary + "-wrong"] {
                    let client = try await POP3Client.connect(to: Fixtures.endpoint(server, .starttls), logger: logger)
                    do {
                        try await client.login(Credentials(user: "carol", secret: .password(secret)), method: method, allowPlaintextAuth: false)
                        try await client.quit()
                    } catch {
                        errors.append("\(error)")
                        await client.abandon()
                    }
                }
            }
            for token in ["canary-token-7f3e9a", "canary-token-7f3e9a-bad"] {
                let client = try await POP3Client.connect(to: Fixtures.endpoint(server, .implicit), logger: logger)
                do {
                    try await client.login(Credentials(user: "carol", secret: .token(token)), method: .xoauth2, allowPlaintextAuth: false)
                    try await client.quit()
                } catch {
                    errors.append("\(error)")
                    await client.abandon()
                }
            }
            #expect(errors.count == 4)
            #expect(store.all.count > 20)
            for line in store.all + errors {
                #expect(!line.contains("7f3e9a"), "secret leaked: \(line)")
                for encoded in [SASL.plain(user: "carol", password: canary), SASL.xoauth2(user: "carol", token: "canary-token-7f3e9a")] {
                    #expect(!line.contains(encoded), "encoded secret leaked: \(line)")
                }
            }
        }
    }
}
