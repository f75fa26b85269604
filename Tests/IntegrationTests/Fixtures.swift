import Crypto
import Logging
import NIOCore
import POP3
import POP3Core
import TestSupport

/// Collects retrieved messages as SHA-256 digests (and sizes), keeping no message bytes.
final class HashingSink: RetrievalSink {
    private var hasher = SHA256()
    private var size = 0
    private(set) var digests: [Int: String] = [:]
    private(set) var sizes: [Int: Int] = [:]
    private(set) var refused: [Int] = []
    /// The most capacity any piece held beyond its bytes.
    private(set) var largestSpareCapacity = 0

    func messageStarted(number: Int) async throws {
        hasher = SHA256()
        size = 0
    }

    func messageBytes(_ bytes: [UInt8]) async throws {
        hasher.update(data: bytes)
        size += bytes.count
        largestSpareCapacity = max(largestSpareCapacity, bytes.capacity - bytes.count)
    }

    func messageAbandoned(number: Int) async throws {}

    func messageFinished(number: Int) async throws {
        digests[number] = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        sizes[number] = size
    }

    func messageRefused(number: Int, reply: StatusLine) async throws { refused.append(number) }
}

enum Fixtures {
    static let alice = DovecotServer.User("alice", password: "alice-secret")

    static func endpoint(_ server: DovecotServer, _ security: TransportSecurity, host: String = "localhost",
                         caFile: String? = nil, useCA: Bool = true, fingerprint: [UInt8]? = nil,
                         replyTimeout: TimeAmount = .seconds(60)) -> POP3Endpoint {
        POP3Endpoint(host: host, port: security == .implicit ? server.tlsPort : server.plainPort, security: security,
                     tls: TLSOptions(caFile: useCA ? (caFile ?? server.certificates.caCertificate) : nil, fingerprint: fingerprint),
                     timeouts: POP3Timeouts(connect: .seconds(10), reply: replyTimeout))
    }

    static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `body` with a started Dovecot and always stops it by PID afterwards.
    static func withDovecot<T>(users: [DovecotServer.User] = [alice], oauthTokens: [String: String] = [:],
                               fill: (DovecotServer) throws -> Void = { _ in },
                               _ body: (DovecotServer) async throws -> T) async throws -> T {
        let server = try DovecotServer(users: users, oauthTokens: oauthTokens)
        defer { server.shutdown() }
        try fill(server)
        try server.start()
        return try await body(server)
    }

    static func login(_ client: POP3Client, _ user: DovecotServer.User = alice, method: AuthMethod = .auto) async throws {
        try await client.login(Credentials(user: user.name, secret: .password(user.password)), method: method,
                               allowPlaintextAuth: false)
    }
}
