import Archive
import NIOPosix
import Synchronization

/// The run's `VaultWriter` on a thread of its own, which every session hands its messages to:
/// compression, disk writes, fsyncs and commits happen there, in the order the work was
/// handed over, while the sessions go on receiving (on two cores, the network and the
/// compression overlap). One writer for all sessions, so they share one batch and one commit,
/// and none waits for another's.
///
/// Nothing blocks a Swift concurrency thread: handing work over returns at once, unless more
/// than `backlogLimit` bytes already wait; then the session suspends until the thread is down
/// to half of that. Memory stays bounded whatever the servers send.
final class VaultWriterThread: Sendable {
    static let backlogLimit = 1 << 20

    private let pool: NIOThreadPool
    private let writer: ThreadConfined<VaultWriter>
    private let backlog = Mutex(Backlog())

    private struct Backlog {
        var bytes = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    init(vault: Vault) throws {
        writer = ThreadConfined(try vault.makeWriter())
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
    }

    /// Runs `work` on the writer's thread after everything handed over before it, and returns
    /// its result.
    func perform<T: Sendable>(_ work: @escaping @Sendable (VaultWriter) throws -> T) async throws -> T {
        let writer = self.writer
        return try await pool.runIfActive { try work(writer.value) }
    }

    /// Hands `work` over without waiting for it; `bytes` counts against the backlog.
    func handOver(bytes: Int, _ work: @escaping @Sendable (VaultWriter) -> Void) async {
        backlog.withLock { $0.bytes += bytes }
        pool.submit { [self] _ in
            work(writer.value)
            let woken = backlog.withLock { backlog -> [CheckedContinuation<Void, Never>] in
                backlog.bytes -= bytes
                guard backlog.bytes <= Self.backlogLimit / 2 else { return [] }
                defer { backlog.waiting.removeAll() }
                return backlog.waiting
            }
            woken.forEach { $0.resume() }
        }
        guard backlog.withLock({ $0.bytes > Self.backlogLimit }) else { return }
        await withCheckedContinuation { continuation in
            let waits = backlog.withLock { backlog -> Bool in
                guard backlog.bytes > Self.backlogLimit / 2 else { return false }
                backlog.waiting.append(continuation)
                return true
            }
            if !waits { continuation.resume() }
        }
    }

    /// Ends the thread once the work handed over is done.
    func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}

/// A value used on one thread only (the writer's). Sharing it is safe by that rule, which the
/// compiler cannot check: hence `@unchecked`.
final class ThreadConfined<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
