import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A POP3 "server" that follows a script, for the faults no real server produces: garbage
/// replies, over-long lines, a connection dropped in the middle of a message. Each command line
/// (without its line end) is handed to `respond`, whose actions are carried out in order.
public final class ScriptedPOP3Server: Sendable {
    public enum Action: Sendable {
        case send(String)
        case sendBytes([UInt8])
        /// Sends the bytes one at a time, `interval` apart (a server that trickles).
        case trickle([UInt8], interval: TimeAmount)
        case close
    }

    public let port: Int
    private let channel: Channel
    /// Every command line received, in order.
    public var received: [String] { log.withLockedValue { $0 } }
    private let log = NIOLockedValueBox<[String]>([])
    /// Connections accepted so far.
    public var acceptedConnections: Int { accepted.withLockedValue { $0 } }
    private let accepted = NIOLockedValueBox(0)
    /// Connections the client has closed (or that ended) so far.
    public var closedConnections: Int { closed.withLockedValue { $0 } }
    private let closed = NIOLockedValueBox(0)

    public init(greeting: String = "+OK scripted server ready\r\n",
                respond: @escaping @Sendable (String) -> [Action]) throws {
        let (log, accepted, closed) = (self.log, self.accepted, self.closed)
        channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(
                        ScriptHandler(greeting: greeting, respond: respond, log: log, accepted: accepted, closed: closed))
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress?.port ?? 0
    }

    public func stop() { try? channel.close().wait() }
}

private final class ScriptHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let greeting: String
    private let respond: @Sendable (String) -> [ScriptedPOP3Server.Action]
    private let log: NIOLockedValueBox<[String]>
    private let accepted: NIOLockedValueBox<Int>
    private let closed: NIOLockedValueBox<Int>
    private var pending: [UInt8] = []

    init(greeting: String, respond: @escaping @Sendable (String) -> [ScriptedPOP3Server.Action],
         log: NIOLockedValueBox<[String]>, accepted: NIOLockedValueBox<Int>, closed: NIOLockedValueBox<Int>) {
        self.greeting = greeting
        self.respond = respond
        self.log = log
        self.accepted = accepted
        self.closed = closed
    }

    func channelActive(context: ChannelHandlerContext) {
        accepted.withLockedValue { $0 += 1 }
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: greeting)), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed.withLockedValue { $0 += 1 }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pending += Array(buffer: unwrapInboundIn(data))
        while let newline = pending.firstIndex(of: 10) {
            var line = Array(pending[..<newline])
            pending.removeFirst(newline + 1)
            if line.last == 13 { line.removeLast() }
            let text = String(decoding: line, as: UTF8.self)
            log.withLockedValue { $0.append(text) }
            for action in respond(text) {
                switch action {
                case .send(let string):
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: string)), promise: nil)
                case .sendBytes(let bytes):
                    context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
                case .trickle(let bytes, let interval):
                    let channel = context.channel
                    for (index, byte) in bytes.enumerated() {
                        channel.eventLoop.scheduleTask(in: interval * Int64(index + 1)) {
                            channel.writeAndFlush(ByteBuffer(bytes: [byte]), promise: nil)
                        }
                    }
                case .close:
                    context.close(promise: nil)
                    return
                }
            }
        }
    }
}
