import Escaping
import NIOCore
import NIOPosix
import NIOSSL
import POP3Core

/// Time limits of a session. `reply` bounds every wait for bytes from the server, so a stalled
/// server (or one that never ends a multi-line reply) cannot hang a run.
public struct POP3Timeouts: Sendable {
    public var connect: TimeAmount
    public var reply: TimeAmount

    public init(connect: TimeAmount = .seconds(30), reply: TimeAmount = .seconds(180)) {
        self.connect = connect
        self.reply = reply
    }
}

/// The byte pipe under a POP3 session: a TCP connection, optionally under TLS, with
/// line reading bounded in length and multi-line replies streamed through `MultilineDecoder`.
final class POP3Transport {
    /// RFC 2449 allows 512 octets for a status line; we tolerate up to 8 KiB and no more.
    static let maximumStatusLineLength = 8 * 1024

    let channel: Channel
    private let stream: NIOLoopBound<InboundByteStream>
    private let received: ReceivedBytes
    private let host: String
    private let timeouts: POP3Timeouts
    /// Bytes received but not yet consumed (always plaintext: TLS is below the stream handler).
    private var pending: ByteBuffer
    private(set) var tlsInfo: TLSSessionInfo?

    private init(channel: Channel, stream: NIOLoopBound<InboundByteStream>, received: ReceivedBytes, host: String,
                 timeouts: POP3Timeouts) {
        self.channel = channel
        self.stream = stream
        self.received = received
        self.host = host
        self.timeouts = timeouts
        self.pending = channel.allocator.buffer(capacity: 0)
    }

    /// Connects, and with `implicitTLS` completes the TLS handshake. The TLS context (certificates
    /// read, BoringSSL set up) is made while TCP connects; neither needs the other.
    static func connect(host: String, port: Int, implicitTLS: TLSOptions?, timeouts: POP3Timeouts,
                        group: EventLoopGroup) async throws -> POP3Transport {
        async let context = implicitTLS.map(makeContext)
        let channel: Channel
        do {
            // NIO's ClientBootstrap sets TCP_NODELAY itself, and races the host's addresses.
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeouts.connect)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(InboundByteStream(replyTimeout: timeouts.reply))
                    }
                }
                .connect(host: host, port: port).get()
        } catch let error as ChannelError where error == .connectTimeout(timeouts.connect) {
            throw POP3Error.timeout("connecting to \(host):\(port) (no answer within \(timeouts.connect.seconds) s)")
        } catch {
            throw POP3Error.connectFailed("\(host):\(port): \(error)")
        }
        let (stream, received) = try await channel.eventLoop.submit {
            let handler = try channel.pipeline.syncOperations.handler(type: InboundByteStream.self)
            return (NIOLoopBound(handler, eventLoop: channel.eventLoop), handler.received)
        }.get()
        let transport = POP3Transport(channel: channel, stream: stream, received: received, host: host, timeouts: timeouts)
        if let implicitTLS {
            do {
                if let context = try await context {
                    try await transport.secure(with: context, options: implicitTLS, unprotectedBytes: .protocolViolation(
                        "\(host):\(port) sent plaintext before the TLS handshake: it does not speak implicit TLS "
                        + "(port 110 takes tls = \"starttls\"); no command was sent"))
                }
            } catch {
                await transport.close()
                throw error
            }
        }
        return transport
    }

    private static func makeContext(_ options: TLSOptions) throws -> NIOSSLContext {
        do { return try options.makeContext() } catch {
            throw POP3Error.tlsFailure("cannot set up TLS: \(error) (is ca_file a readable PEM file?)")
        }
    }

    /// Upgrades the connection after the server's `+OK` to STLS. Refuses if any byte has already
    /// arrived after that `+OK`: a man in the middle could have injected plaintext "replies"
    /// (libetpan#386).
    func startTLS(options: TLSOptions) async throws {
        guard pending.readableBytes == 0 else {
            throw POP3Error.protocolViolation("the server sent \(pending.readableBytes) bytes after accepting STLS "
                + "(possible injection attack); connection dropped")
        }
        try await secure(with: try Self.makeContext(options), options: options, unprotectedBytes: .protocolViolation(
            "the server sent bytes after accepting STLS (possible injection attack); connection dropped"))
    }

    /// Puts TLS under the byte stream and completes the handshake. A byte received before it
    /// was not protected: after STLS it may be injected, and on an implicit-TLS port it means
    /// the server speaks plaintext. The check and the insertion of the TLS handler happen in one
    /// event-loop turn, so nothing can slip in between.
    /// `unprotectedBytes` is the error for a byte that arrived first, in the words of the caller's case.
    private func secure(with context: NIOSSLContext, options: TLSOptions, unprotectedBytes: POP3Error) async throws {
        let channel = self.channel
        let serverName = Self.sniName(for: host)
        let (received, stream) = (self.received, self.stream)
        let unprotected = try await channel.eventLoop.submit { () throws -> Bool in
            if received.hasQueuedBytes { return true }
            let tls = try NIOSSLClientHandler(context: context, serverHostname: serverName)
            try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            stream.value.copiesReceivedBytes = true
            return false
        }.get()
        if unprotected { throw unprotectedBytes }
        try await finishHandshake(options: options)
    }

    private func finishHandshake(options: TLSOptions) async throws {
        let stream = self.stream
        let channel = self.channel
        do {
            try await channel.eventLoop.flatSubmit { stream.value.handshakeDone(eventLoop: channel.eventLoop) }.get()
        } catch {
            throw TLSFailureDescription.error(for: error, host: host)
        }
        let (version, certificate) = try await channel.eventLoop.submit { () throws -> (String, NIOSSLCertificate) in
            let version = try channel.pipeline.syncOperations.nioSSL_tlsVersion()
            guard let certificate = try channel.pipeline.syncOperations.nioSSL_peerCertificate() else {
                throw POP3Error.tlsFailure("the server presented no certificate")
            }
            return (Self.name(of: version), certificate)
        }.get()
        if let pin = options.fingerprint {
            let digest = try TLSSessionInfo.digest(of: certificate)
            guard pin == digest else {
                throw POP3Error.tlsFailure("the certificate of \(host) has SHA-256 fingerprint \(Fingerprint.format(digest)), "
                    + "not the pinned \(Fingerprint.format(pin)); if the server's certificate changed on purpose, update tls_fingerprint")
            }
        }
        tlsInfo = TLSSessionInfo(version: version, certificate: certificate)
    }

    // MARK: Writing

    func send(_ commands: [POP3Command]) async throws {
        var buffer = channel.allocator.buffer(capacity: commands.count * 16)
        for command in commands { buffer.writeBytes(command.wireBytes) }
        do {
            try await channel.writeAndFlush(buffer).get()
        } catch {
            throw POP3Error.connectionClosed("while sending \(commands.first?.description ?? "")")
        }
    }

    // MARK: Reading

    /// Everything received and not yet read, in order, waiting for more if there is none;
    /// throws at the end of input.
    private func receive(during what: String) async throws -> CircularBuffer<ByteBuffer> {
        do {
            switch try await received.take() {
            case .bytes(let buffers, let readsHeldBack):
                if readsHeldBack {
                    let stream = self.stream
                    channel.eventLoop.execute { stream.value.resumeHeldBackRead() }
                }
                return buffers
            case .end(nil):
                throw POP3Error.connectionClosed("by the server \(what)")
            case .end(let error?):
                throw error
            }
        } catch let error as POP3Error {
            throw error
        } catch ReceivedBytes.StreamError.timedOut {
            throw POP3Error.timeout("no reply from \(host) within \(timeouts.reply.seconds) s \(what)")
        } catch let error as NIOSSLError {
            throw TLSFailureDescription.error(for: error, host: host)
        } catch {
            throw POP3Error.connectionClosed("\(what): \(error)")
        }
    }

    /// Reads one status line (without its line end), bounded in length however the bytes arrive.
    func readStatusLine(for command: String) async throws -> StatusLine {
        while true {
            let view = pending.readableBytesView
            if let newline = view.prefix(Self.maximumStatusLineLength + 1).firstIndex(of: UInt8(ascii: "\n")),
               var line = pending.readBytes(length: newline - pending.readerIndex) {
                pending.moveReaderIndex(forwardBy: 1)
                let bareLF = line.last != UInt8(ascii: "\r")
                if !bareLF { line.removeLast() }
                return try StatusLine.parse(line, endedWithBareLF: bareLF)
            }
            guard view.count <= Self.maximumStatusLineLength else {
                throw POP3Error.protocolViolation("reply to \(command) is longer than \(Self.maximumStatusLineLength) bytes without a line end")
            }
            let buffers = try await receive(during: "waiting for the reply to \(command)")
            pending.discardReadBytes()
            for var buffer in buffers { pending.writeBuffer(&buffer) }
        }
    }

    /// Streams the data of a multi-line reply as canonical bytes to `consume`, in pieces of
    /// about one network read each, handed over whole (the callee keeps them). Returns the
    /// decoder as it ended (its counts, and whether the reply ended at a glued terminator).
    /// `whenAwaitingReply` is called, once, if the decoder holds a candidate end and has
    /// nothing more to look at (see `MultilineDecoder`): the caller makes sure a reply follows.
    @discardableResult
    func readMultiline(for command: String, decoder start: MultilineDecoder,
                       whenAwaitingReply: () async throws -> Void = {},
                       consume: ([UInt8]) async throws -> Void) async throws -> MultilineDecoder {
        var decoder = start
        var output: [UInt8] = []
        output.reserveCapacity(64 * 1024)
        var askedForReply = false
        func feed(_ buffer: inout ByteBuffer) {
            let consumed = buffer.withUnsafeReadableBytes { decoder.decode($0, into: &output) }
            buffer.moveReaderIndex(forwardBy: consumed)
        }
        func handOver() async throws {
            guard !output.isEmpty else { return }
            // A copy of its own size: the callee may keep pieces queued, and a queue of small
            // pieces in 64 KB buffers held many times the memory its byte count said.
            let piece = output.withUnsafeBufferPointer { Array($0) }
            output.removeAll(keepingCapacity: true)
            try await consume(piece)
        }
        feed(&pending)
        while !decoder.isFinished {
            try await handOver()
            if decoder.awaitsFollowingReply && !askedForReply {
                askedForReply = true
                try await whenAwaitingReply()
            }
            var buffers = try await receive(during: "in the middle of the reply to \(command)")
            while var buffer = buffers.popFirst() {
                if pending.readableBytes > 0 || decoder.isFinished {
                    // Bytes a candidate end could not decide on yet, or the next reply's: kept in order.
                    pending.discardReadBytes()
                    pending.writeBuffer(&buffer)
                    feed(&pending)
                } else {
                    feed(&buffer)
                    if buffer.readableBytes > 0 { pending.writeBuffer(&buffer) }
                }
            }
        }
        try await handOver()
        return decoder
    }

    /// Drops the connection at once, from any thread: a read in progress fails. For a session
    /// that must stop now (its time limit, or a stop whose grace ran out).
    static func interrupter(of channel: Channel) -> @Sendable () -> Void {
        { channel.close(promise: nil) }
    }

    func close() async {
        try? await channel.close().get()
    }

    private static func name(of version: TLSVersion?) -> String {
        switch version {
        case .tlsv1: return "TLSv1.0"
        case .tlsv11: return "TLSv1.1"
        case .tlsv12: return "TLSv1.2"
        case .tlsv13: return "TLSv1.3"
        case nil: return "unknown"
        }
    }

    /// SNI takes a host name, never an address literal.
    private static func sniName(for host: String) -> String? {
        (try? SocketAddress(ipAddress: host, port: 0)) == nil ? host : nil
    }
}

/// SHA-256 certificate fingerprints in the usual `AB:CD:…` notation.
public enum Fingerprint {
    public static func format(_ digest: [UInt8]) -> String {
        Hex.colonSeparated(digest)
    }
}

extension TimeAmount {
    var seconds: Int64 { nanoseconds / 1_000_000_000 }
}
