import Archive
import Backup
import Foundation
import NIOCore
import NIOPosix
@testable import POP3
import POP3Core
import Synchronization
import TestSupport
import Testing

/// How a run starts: its first connections are begun as soon as the vault is locked, and the
/// index opens once one of them is up (`BackupScheduler.firstConnected`, `VaultOpening`).
@Suite struct RunStartTests {
    private final class Flag: Sendable {
        private let value = Mutex(false)
        func set() { value.withLock { $0 = true } }
        var isSet: Bool { value.withLock { $0 } }
    }

    /// Waits until one connection is up or has failed, and takes none of them.
    @Test func theFirstSettledConnectionEndsTheWait() async throws {
        await EarlyConnection.firstSettled(of: [])

        let server = try ScriptedPOP3Server(respond: { _ in [] })
        defer { server.stop() }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let never = loop.makePromise(of: Channel.self)
        let hanging = EarlyConnection(host: "127.0.0.1", port: 1, channel: never.futureResult)
        let endpoint = POP3Endpoint(host: "127.0.0.1", port: server.port, security: .none)
        let reachable = EarlyConnection.start(to: endpoint, lookup: nil)
        await EarlyConnection.firstSettled(of: [hanging, reachable])
        let taken = reachable.take(host: "127.0.0.1", port: server.port, orConnectAnew: { loop.makeFailedFuture(ChannelError.alreadyClosed) })
        #expect(taken != nil, "waiting for the connection took it")
        let channel = try await taken?.get()
        #expect(channel?.isActive == true)
        try await channel?.close()

        let failing = loop.makePromise(of: Channel.self)
        let refused = EarlyConnection(host: "127.0.0.1", port: 1, channel: failing.futureResult)
        let finished = Flag()
        let waiting = Task {
            await EarlyConnection.firstSettled(of: [refused])
            finished.set()
        }
        try await Task.sleep(nanoseconds: 50_000_000)
        #expect(!finished.isSet, "returned before the connection settled")
        failing.fail(ChannelError.connectTimeout(.seconds(1)))
        await waiting.value
        #expect(finished.isSet)
        never.fail(ChannelError.alreadyClosed)
    }

    /// The index is not opened before the opening's start returns.
    @Test func theVaultOpensAfterItsStart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let gate = loop.makePromise(of: Void.self)
        let opening = VaultOpening(opening: try VaultDirectory(at: directory.file("vault"), create: true),
                                   settings: VaultSettings(), logger: Fixtures.quietLogger,
                                   after: { try? await gate.futureResult.get() })
        try await Task.sleep(nanoseconds: 50_000_000)
        #expect(!FileManager.default.fileExists(atPath: directory.file("vault/index.sqlite")))
        gate.succeed(())
        let vault = try await opening.vault
        #expect(FileManager.default.fileExists(atPath: vault.indexPath))
        try await opening.close()
    }
}
