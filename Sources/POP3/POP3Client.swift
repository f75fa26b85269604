import Crypto
import Logging
import NIOCore
import NIOPosix
import POP3Core

/// Where and how to connect.
public struct POP3Endpoint: Sendable {
    public var host: String
    public var port: Int
    public var security: TransportSecurity
    public var tls: TLSOptions
    public var timeouts: POP3Timeouts
    /// Most RETR commands in flight when the server offers PIPELINING (mpop uses 20–100).
    public var pipelineWindow: Int

    public init(host: String, port: Int, security: TransportSecurity, tls: TLSOptions = TLSOptions(),
                timeouts: POP3Timeouts = POP3Timeouts(), pipelineWindow: Int = 32) {
        self.host = host
        self.port = port
        self.security = security
        self.tls = tls
        self.timeouts = timeouts
        self.pipelineWindow = pipelineWindow
    }
}

/// One POP3 session (RFC 1939) with the extensions of RFC 2449, 2595, 5034 and 7628.
/// Use it from one task at a time. Every error it throws is a `POP3Error`.
public final class POP3Client {
    let transport: POP3Transport
    let endpoint: POP3Endpoint
    let logger: Logger
    public private(set) var greeting: StatusLine
    public private(set) var capabilities: Capabilities = .rfc1939Baseline
    public internal(set) var isAuthenticated = false

    public var tlsInfo: TLSSessionInfo? { transport.tlsInfo }
    /// Whether the session runs under TLS (implicit, or after STLS).
    public var isProtected: Bool { transport.tlsInfo != nil }

    private init(transport: POP3Transport, endpoint: POP3Endpoint, greeting: StatusLine, logger: Logger) {
        self.transport = transport
        self.endpoint = endpoint
        self.greeting = greeting
        self.logger = logger
    }

    /// Connects, reads the greeting, learns the capabilities, and for `starttls` upgrades the
    /// connection (refusing a server that does not offer STLS: fetchmail's CVE-2006-5867).
    public static func connect(to endpoint: POP3Endpoint, logger: Logger,
                               group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> POP3Client {
        let transport = try await POP3Error.wrap {
            try await POP3Transport.connect(host: endpoint.host, port: endpoint.port,
                                            implicitTLS: endpoint.security == .implicit ? endpoint.tls : nil,
                                            timeouts: endpoint.timeouts, group: group)
        }
        do {
            let greeting = try await transport.readStatusLine(for: "the greeting")
            guard greeting.isOK else {
                throw ReplyClassifier.error(for: greeting, command: .noop, phase: .login, serverPromisesAuthCodes: false)
            }
            let client = POP3Client(transport: transport, endpoint: endpoint, greeting: greeting, logger: logger)
            logger.debug("connected", metadata: ["host": "\(endpoint.host)", "port": "\(endpoint.port)",
                                                 "tls": "\(client.tlsInfo?.version ?? "none")"])
            try await client.refreshCapabilities()
            if endpoint.security == .starttls {
                try await client.startTLS()
            }
            return client
        } catch {
            await transport.close()
            throw POP3Error.from(error)
        }
    }

    /// Drops the connection at once when called, from any thread or task: whatever the
    /// session is waiting for fails. The server enters no UPDATE state, so nothing is deleted.
    public var interrupter: @Sendable () -> Void { POP3Transport.interrupter(of: transport.channel) }

    private func startTLS() async throws {
        guard capabilities.stls else {
            throw POP3Error.insecureConnection("\(endpoint.host) does not offer STLS in its capabilities, so the "
                + "connection cannot be protected; no credentials were sent (if the port is 995, use tls = \"implicit\")")
        }
        let reply = try await command(.stls, phase: .login)
        logger.trace("STLS accepted", metadata: ["reply": "\(reply)"])
        try await transport.startTLS(options: endpoint.tls)
        // RFC 2595 §4: forget what was announced in plaintext and ask again.
        try await refreshCapabilities()
    }

    /// Issues CAPA; a server without it gets the RFC 1939 baseline.
    public func refreshCapabilities() async throws {
        try await transport.send([.capa])
        try await readCapabilities(status: try await transport.readStatusLine(for: "CAPA"))
    }

    /// The rest of CAPA's reply, once its status line was read.
    func readCapabilities(status: StatusLine) async throws {
        guard status.isOK else {
            capabilities = .rfc1939Baseline
            return
        }
        let lines = try await readLines(for: .capa, status: status, limits: ListingLimits(lines: Capabilities.maximumLines, lineLength: 1024,
                                                                                      bytes: 256 * 1024))
        capabilities = Capabilities(lines: lines.map { String(decoding: $0, as: UTF8.self) })
    }

    // MARK: Simple commands

    /// Sends one command and reads its status line; a `-ERR` becomes a typed error.
    @discardableResult
    func command(_ command: POP3Command, phase: ReplyClassifier.Phase = .transaction) async throws -> StatusLine {
        logger.trace("send", metadata: ["command": "\(command)"])
        try await transport.send([command])
        return try accepted(try await transport.readStatusLine(for: command.description), to: command, phase: phase)
    }

    /// Sends `commands` in one write (the server announced PIPELINING) and reads their status
    /// lines in order; the first `-ERR` among the first `checked` (all by default) becomes a
    /// typed error once all have been read.
    func pipelined(_ commands: [POP3Command], phase: ReplyClassifier.Phase = .transaction,
                   checked: Int? = nil) async throws -> [StatusLine] {
        logger.trace("send", metadata: ["command": "\(commands.map(\.description).joined(separator: ", ")) (pipelined)"])
        try await transport.send(commands)
        var replies: [StatusLine] = []
        for command in commands { replies.append(try await transport.readStatusLine(for: command.description)) }
        for (command, reply) in zip(commands, replies).prefix(checked ?? commands.count) {
            _ = try accepted(reply, to: command, phase: phase)
        }
        return replies
    }

    /// `reply` if it is `+OK`; otherwise the typed error for it.
    func accepted(_ reply: StatusLine, to command: POP3Command, phase: ReplyClassifier.Phase) throws -> StatusLine {
        guard reply.isOK else {
            throw ReplyClassifier.error(for: reply, command: command, phase: phase,
                                        serverPromisesAuthCodes: capabilities.authResponseCodes)
        }
        return reply
    }

    public func stat() async throws -> (count: Int, size: Int) {
        try ListingParser.parseStat(try await command(.stat).text)
    }

    /// The UIDL listing, parsed line by line as it arrives.
    public func uidl() async throws -> UIDLListing {
        try await readUIDL(status: try await command(.uidl(nil)))
    }

    func readUIDL(status: StatusLine) async throws -> UIDLListing {
        var builder = UIDLListingBuilder()
        try await forEachLine(of: .uidl(nil), status: status, limits: .listing) { builder.add(line: $0) }
        return builder.listing
    }

    /// Message sizes from LIST. They are hints (Exchange, qmail and Dovecot's fast sizes differ
    /// from what RETR sends): use them for progress and policy, never to allocate.
    public func list() async throws -> [Int: Int] {
        ListingParser.parseList(lines: try await multilineLines(.list(nil)))
    }

    /// The sizes of `numbers` only: one `LIST n` each, all in one write. Without PIPELINING
    /// that would be a round trip per message, so the whole mailbox is listed instead. A number
    /// the server refuses (`-ERR`) gets no size, as a line missing from LIST would.
    public func list(_ numbers: [Int]) async throws -> [Int: Int] {
        guard capabilities.pipelining else { return try await list() }
        let replies = try await pipelined(numbers.map { .list($0) }, checked: 0)
        return ListingParser.parseList(lines: replies.filter(\.isOK).map { Array($0.text.utf8) })
    }

    /// Ends the session. Only after a `+OK` here has the server entered UPDATE state (RFC 1939 §6).
    @discardableResult
    public func quit() async throws -> StatusLine {
        try await sendQuit()
        return try await finishQuit()
    }

    /// The first half of `quit()`: sends QUIT and returns without waiting for the reply, so
    /// that a caller with no DELE behind it can do other work meanwhile. `finishQuit()` follows.
    public func sendQuit() async throws {
        logger.trace("send", metadata: ["command": "QUIT"])
        do { try await transport.send([.quit]) } catch {
            await transport.close()
            throw error
        }
    }

    /// The second half of `quit()`: reads QUIT's reply and closes the connection.
    @discardableResult
    public func finishQuit() async throws -> StatusLine {
        do {
            let reply = try accepted(try await transport.readStatusLine(for: POP3Command.quit.description), to: .quit,
                                     phase: .transaction)
            await transport.close()
            return reply
        } catch {
            await transport.close()
            throw error
        }
    }

    /// Drops the connection without QUIT: the server enters no UPDATE state, so nothing is deleted.
    public func abandon() async {
        await transport.close()
    }

    // MARK: Multi-line helpers

    private func multilineLines(_ command: POP3Command) async throws -> [[UInt8]] {
        let status = try await self.command(command)
        return try await readLines(for: command, status: status, limits: .listing)
    }

    /// Reads a multi-line listing into lines.
    func readLines(for command: POP3Command, status: StatusLine, limits: ListingLimits) async throws -> [[UInt8]] {
        var lines: [[UInt8]] = []
        try await forEachLine(of: command, status: status, limits: limits) { lines.append(Array($0)) }
        return lines
    }

    /// Hands each line of a multi-line reply (without its line end) to `body` as it arrives,
    /// within `limits`: listing lines are short, and unbounded ones are how fetchmail's
    /// CVE-2005-2335 began. Past a limit the rest of the reply is read and dropped, so the
    /// session stays in step, and the error follows.
    func forEachLine(of command: POP3Command, status: StatusLine, limits: ListingLimits,
                     _ body: (UnsafeRawBufferPointer) -> Void) async throws {
        var lines = LineSplitter(limits: limits)
        try await transport.readMultiline(for: command.description, decoder: MultilineDecoder(bareLineFeeds: status.endedWithBareLF)) { bytes in
            bytes.withUnsafeBytes { lines.add($0, to: body) }
        }
        lines.finish(to: body)
        if let failure = lines.failure { throw POP3Error.protocolViolation("the reply to \(command) \(failure)") }
    }
}

extension POP3Error {
    /// Anything thrown below the client that is not already typed becomes a connection error.
    static func from(_ error: Error) -> POP3Error {
        (error as? POP3Error) ?? .connectionClosed("\(error)")
    }

    static func wrap<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch { throw from(error) }
    }
}
