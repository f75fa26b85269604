import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// A server's addresses, looked up ahead of the connection that needs them. `start` runs
/// `getaddrinfo` on a background thread at once, while the caller goes on (a run opens its
/// vault meanwhile); the connection then gives the answer to NIO's Happy Eyeballs as its
/// `Resolver`, so every address is still raced as NIO races them. Looked up only when the
/// connection began, the name cost a run's first connection about 1.5 ms (`perf` timelines): a
/// thread started for the lookup, and two hops between threads before the first address was
/// tried. Starting needs no event loop, whose threads may still be starting.
public final class HostLookup: Sendable {
    public let host: String
    public let port: Int
    private let state: NIOLockedValueBox<State>

    private enum State {
        case pending([@Sendable (Result<[SocketAddress], Error>) -> Void])
        case done(Result<[SocketAddress], Error>)
    }

    init(host: String, port: Int, result: Result<[SocketAddress], Error>? = nil) {
        self.host = host
        self.port = port
        state = NIOLockedValueBox(result.map { .done($0) } ?? .pending([]))
    }

    public static func start(host: String, port: Int) -> HostLookup {
        let lookup = HostLookup(host: host, port: port)
        DispatchQueue.global().async { lookup.finish(Result { try addresses(of: host, port: port) }) }
        return lookup
    }

    /// The addresses, when found, on `loop`.
    func addresses(on loop: EventLoop) -> EventLoopFuture<[SocketAddress]> {
        let promise = loop.makePromise(of: [SocketAddress].self)
        let found = state.withLockedValue { state -> Result<[SocketAddress], Error>? in
            switch state {
            case .pending(let waiting):
                state = .pending(waiting + [{ promise.completeWith($0) }])
                return nil
            case .done(let result):
                return result
            }
        }
        if let found { promise.completeWith(found) }
        return promise.futureResult
    }

    private func finish(_ result: Result<[SocketAddress], Error>) {
        let waiting = state.withLockedValue { state -> [@Sendable (Result<[SocketAddress], Error>) -> Void] in
            guard case .pending(let waiting) = state else { return [] }
            state = .done(result)
            return waiting
        }
        for complete in waiting { complete(result) }
    }

    /// The host's TCP addresses, as `getaddrinfo` orders them.
    static func addresses(of host: String, port: Int) throws -> [SocketAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else { throw HostNotFound(host: host, reason: String(cString: gai_strerror(status))) }
        defer { freeaddrinfo(first) }
        var addresses: [SocketAddress] = []
        for entry in sequence(first: first, next: { $0.pointee.ai_next }) {
            guard let address = entry.pointee.ai_addr else { continue }
            switch entry.pointee.ai_family {
            case AF_INET:
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { addresses.append(SocketAddress($0.pointee, host: host)) }
            case AF_INET6:
                address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { addresses.append(SocketAddress($0.pointee, host: host)) }
            default:
                continue
            }
        }
        return addresses
    }
}

/// The name did not resolve; `reason` is `getaddrinfo`'s.
struct HostNotFound: Error, CustomStringConvertible {
    let host: String
    let reason: String
    var description: String { "cannot look up \(host): \(reason)" }
}

/// Gives Happy Eyeballs the addresses a `HostLookup` found, IPv4 and IPv6 apart, as it asks.
struct LookedUpResolver: Resolver, Sendable {
    let addresses: EventLoopFuture<[SocketAddress]>

    func initiateAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        addresses.map { $0.filter { $0.protocol == .inet } }
    }

    func initiateAAAAQuery(host: String, port: Int) -> EventLoopFuture<[SocketAddress]> {
        addresses.map { $0.filter { $0.protocol == .inet6 } }
    }

    func cancelQueries() {}
}
