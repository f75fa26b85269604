import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP proxy between a client and a real server that injects faults: it can cut the
/// connection after the server has sent N bytes, remove `STLS` from a CAPA reply (a downgrade
/// attack), or add bytes after the server's reply to STLS (an injection attack). It records
/// every byte the client sent, so a test can prove no credential left in the clear.
public final class FaultProxy: Sendable {
    public struct Faults: Sendable {
        public var cutAfterServerBytes: Int?
        public var stripSTLS = false
        public var injectAfterSTLSReply: String?
        public init(cutAfterServerBytes: Int? = nil, stripSTLS: Bool = false, injectAfterSTLSReply: String? = nil) {
            self.cutAfterServerBytes = cutAfterServerBytes
            self.stripSTLS = stripSTLS
            self.injectAfterSTLSReply = injectAfterSTLSReply
        }
    }

    public let port: Int
    private let channel: Channel
    private let recorded = NIOLockedValueBox<[UInt8]>([])

    /// Everything clients sent through the proxy, in order.
    public var clientBytes: [UInt8] { recorded.withLockedValue { $0 } }

    public init(upstreamPort: Int, faults: Faults) throws {
        let recorded = self.recorded
        channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.autoRead, value: false)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .connect(host: "127.0.0.1", port: upstreamPort)
                    .flatMap { outbound in
                        inbound.eventLoop.makeCompletedFuture {
                            let toServer = RelayHandler(partner: outbound, direction: .clientToServer, faults: faults, recorded: recorded)
                            let toClient = RelayHandler(partner: inbound, direction: .serverToClient, faults: faults, recorded: recorded)
                            try inbound.pipeline.syncOperations.addHandler(toServer)
                            try outbound.pipeline.syncOperations.addHandler(toClient)
                            inbound.read()
                        }
                    }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        port = channel.localAddress?.port ?? 0
    }

    public func stop() { try? channel.close().wait() }
}

private final class RelayHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    enum Direction { case clientToServer, serverToClient }

    private let partner: Channel
    private let direction: Direction
    private let faults: FaultProxy.Faults
    private let recorded: NIOLockedValueBox<[UInt8]>
    private var forwarded = 0
    private var awaitingSTLSReply = false

    init(partner: Channel, direction: Direction, faults: FaultProxy.Faults, recorded: NIOLockedValueBox<[UInt8]>) {
        self.partner = partner
        self.direction = direction
        self.faults = faults
        self.recorded = recorded
    }

    func channelActive(context: ChannelHandlerContext) { context.read() }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = Array(buffer: unwrapInboundIn(data))
        switch direction {
        case .clientToServer:
            recorded.withLockedValue { $0 += bytes }
            partner.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
        case .serverToClient:
            if faults.stripSTLS {
                bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\nSTLS\r\n", with: "\r\n").utf8)
            }
            if let injection = faults.injectAfterSTLSReply, String(decoding: bytes, as: UTF8.self).hasPrefix("+OK Begin TLS") {
                bytes += Array(injection.utf8)
            }
            if let limit = faults.cutAfterServerBytes, forwarded + bytes.count >= limit {
                let part = Array(bytes.prefix(limit - forwarded))
                forwarded = limit
                partner.writeAndFlush(ByteBuffer(bytes: part)).whenComplete { [partner] _ in partner.close(promise: nil) }
                context.close(promise: nil)
                return
            }
            forwarded += bytes.count
            partner.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) { context.read() }

    func channelInactive(context: ChannelHandlerContext) { partner.close(promise: nil) }

    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}
