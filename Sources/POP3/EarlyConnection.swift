import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP connection to an account's server, begun before the session that will use it. A POP3
/// server does much of a connection's set-up when it accepts it: Dovecot starts a login process
/// then, about 10 ms here, and answers a TLS ClientHello sent 10 ms after the connection in 3 ms
/// instead of 11 (`scripts/bench`'s server). So the sooner the connection is made, the more of
/// that overlaps with what the client still does: opening the vault, making the TLS context,
/// starting the session. Nothing is sent on it until a session takes it
/// (`POP3Client.connect(to:…early:)`); one that nobody takes is closed by `release()`.
public final class EarlyConnection: Sendable {
    public let host: String
    public let port: Int
    private let state: NIOLockedValueBox<State>

    private enum State {
        case waiting(EventLoopFuture<Channel>)
        case taken
        case released
    }

    /// Starts connecting to `endpoint`, at `lookup`'s addresses if it was looked up for the same
    /// host and port.
    public static func start(to endpoint: POP3Endpoint, lookup: HostLookup?,
                             group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) -> EarlyConnection {
        let channel = POP3Transport.startConnecting(host: endpoint.host, port: endpoint.port, timeouts: endpoint.timeouts,
                                                    group: group, lookup: lookup)
        return EarlyConnection(host: endpoint.host, port: endpoint.port, channel: channel)
    }

    init(host: String, port: Int, channel: EventLoopFuture<Channel>) {
        self.host = host
        self.port = port
        state = NIOLockedValueBox(.waiting(channel))
    }

    /// The connection, once, if it is to `host`:`port` and was not released; nil otherwise. One
    /// the server has closed meanwhile (it waited too long for its session's turn) is replaced by
    /// `fresh()`. One that could not be made fails as a connection made now would.
    func take(host: String, port: Int,
              orConnectAnew fresh: @escaping @Sendable () -> EventLoopFuture<Channel>) -> EventLoopFuture<Channel>? {
        guard host == self.host, port == self.port else { return nil }
        let channel = state.withLockedValue { state -> EventLoopFuture<Channel>? in
            guard case .waiting(let channel) = state else { return nil }
            state = .taken
            return channel
        }
        return channel?.flatMap { channel in
            if channel.isActive { return channel.eventLoop.makeSucceededFuture(channel) }
            channel.close(promise: nil)
            return fresh()
        }
    }

    /// Returns once one of `connections` is up or could not be made, without taking it; at once
    /// when there is none, or when none is still waiting for a session.
    public static func firstSettled(of connections: [EarlyConnection]) async {
        let waiting = connections.compactMap { connection in
            connection.state.withLockedValue { state -> EventLoopFuture<Channel>? in
                guard case .waiting(let channel) = state else { return nil }
                return channel
            }
        }
        guard let first = waiting.first else { return }
        let settled = first.eventLoop.makePromise(of: Void.self)
        let pending = NIOLockedValueBox(true)
        for channel in waiting {
            channel.whenComplete { _ in
                let isFirst = pending.withLockedValue { pending in
                    defer { pending = false }
                    return pending
                }
                if isFirst { settled.succeed(()) }
            }
        }
        try? await settled.futureResult.get()
    }

    /// Closes the connection if no session took it.
    public func release() {
        let channel = state.withLockedValue { state -> EventLoopFuture<Channel>? in
            guard case .waiting(let channel) = state else { return nil }
            state = .released
            return channel
        }
        channel?.whenSuccess { $0.close(promise: nil) }
    }
}
