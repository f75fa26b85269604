import Foundation

/// Runs a `VaultWriter` on a thread of its own, so that hashing, compression and disk writes
/// overlap the network on the second core. The receiving side hands message bytes over in
/// chunks through a queue that holds at most `queueLimit` bytes — it waits when the queue is
/// full, so memory stays bounded whatever the message sizes — and the worker applies them in
/// order, committing each batch when it is due. What the worker decided about a message comes
/// back through `takeFinished()`; an error on the worker comes back at the receiving side's
/// next call, and from then on the worker only drains the queue until `close()`.
///
/// The waits are short, blocking ones on a condition variable: the worker never needs the
/// caller's threads (Swift concurrency's or NIO's) to make progress, so none can deadlock.
public final class BackgroundVaultWriter: @unchecked Sendable {
    /// A message the worker has finished, with the tag the receiving side gave it.
    public struct Finished: Sendable {
        public let tag: Int
        public let outcome: StoreOutcome
    }

    private enum Operation {
        case begin(account: String, uidl: String, archivedAt: Date)
        case bytes([UInt8])
        case finish(tag: Int)
        case abandon
        case close
    }

    /// Touched by the worker thread only, once it has started (and by `droppedMappings` after `close`).
    private let writer: VaultWriter
    private let queueLimit: Int
    private let chunkSize: Int
    private let condition = NSCondition()
    // Guarded by `condition`:
    /// Operations in order; taken ones are set to nil (releasing their bytes) before the front is cut.
    private var queue: [Operation?] = []
    private var queueHead = 0
    private var queuedBytes = 0
    private var finished: [Finished] = []
    private var failure: Error?
    private var workerEnded = false
    private var closeRequested = false
    /// The receiving side's own: bytes collecting for the next `.bytes` operation.
    private var chunk: [UInt8] = []

    public init(writer: VaultWriter, queueLimit: Int = 1 << 20, chunkSize: Int = 64 << 10) {
        self.writer = writer
        self.queueLimit = queueLimit
        self.chunkSize = chunkSize
        chunk.reserveCapacity(chunkSize)
        let thread = Thread { [self] in work() }
        thread.name = "popvault-writer"
        thread.start()
    }

    /// Mappings the writer could not index (see `VaultWriter.droppedMappings`); read after `close()`.
    public var droppedMappings: [(account: String, uidl: String)] {
        condition.lock()
        defer { condition.unlock() }
        return workerEnded ? writer.droppedMappings : []
    }

    public func beginMessage(account: String, uidl: String, archivedAt: Date = Date()) throws {
        try enqueue(.begin(account: account, uidl: uidl, archivedAt: archivedAt), bytes: 0)
    }

    /// Copies `bytes`; the buffer may be reused as soon as this returns.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var rest = bytes
        while !rest.isEmpty {
            let taken = min(rest.count, chunkSize - chunk.count)
            chunk.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[0..<taken]))
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            if chunk.count >= chunkSize { try sendChunk() }
        }
    }

    /// Ends the message; its outcome comes back, under `tag`, through `takeFinished()`.
    public func finishMessage(tag: Int) throws {
        try sendChunk()
        try enqueue(.finish(tag: tag), bytes: 0)
    }

    /// Drops the message being written.
    public func abandonMessage() throws {
        chunk.removeAll(keepingCapacity: true)
        try enqueue(.abandon, bytes: 0)
    }

    /// The messages finished since the last call, in order.
    public func takeFinished() -> [Finished] {
        condition.lock()
        defer { condition.unlock() }
        let taken = finished
        finished.removeAll(keepingCapacity: true)
        return taken
    }

    /// Drops a message left unfinished, commits what is complete, seals the segment and ends the
    /// worker; throws the worker's error, if it had one. `takeFinished()` still answers afterwards.
    public func close() throws {
        chunk.removeAll(keepingCapacity: true)
        condition.lock()
        defer { condition.unlock() }
        if !closeRequested {
            closeRequested = true
            queue.append(.close)
            condition.broadcast()
        }
        while !workerEnded { condition.wait() }
        if let failure { throw failure }
    }

    private func sendChunk() throws {
        guard !chunk.isEmpty else { return }
        let full = chunk
        chunk = []
        chunk.reserveCapacity(chunkSize)
        try enqueue(.bytes(full), bytes: full.count)
    }

    private func enqueue(_ operation: Operation, bytes: Int) throws {
        condition.lock()
        defer { condition.unlock() }
        while queuedBytes >= queueLimit && failure == nil && !workerEnded { condition.wait() }
        if let failure { throw failure }
        guard !workerEnded, !closeRequested else { throw ArchiveError.io("the vault writer was already closed") }
        queue.append(operation)
        queuedBytes += bytes
        condition.broadcast()
    }

    private func work() {
        while true {
            condition.lock()
            while queueHead == queue.count { condition.wait() }
            let taken = queue[queueHead]
            queue[queueHead] = nil
            queueHead += 1
            if queueHead >= 256 || queueHead == queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            let failed = failure != nil
            condition.unlock()
            guard let operation = taken else { continue }

            var outcome: Finished?
            var error: Error?
            do {
                outcome = try apply(operation, failed: failed)
            } catch let caught {
                error = caught
            }

            condition.lock()
            if let outcome { finished.append(outcome) }
            if let error, failure == nil { failure = error }
            if case .bytes(let buffer) = operation { queuedBytes -= buffer.count }
            if case .close = operation { workerEnded = true }
            condition.broadcast()
            condition.unlock()
            if case .close = operation { return }
        }
    }

    /// Applies one operation to the writer. After a failure only `close` does anything: it
    /// commits what was complete before the failure, as `VaultWriter.close` does.
    private func apply(_ operation: Operation, failed: Bool) throws -> Finished? {
        if failed {
            if case .close = operation { try? writer.close() }
            return nil
        }
        switch operation {
        case .begin(let account, let uidl, let archivedAt):
            try writer.beginMessage(account: account, uidl: uidl, archivedAt: archivedAt)
        case .bytes(let buffer):
            try buffer.withUnsafeBytes { try writer.write($0) }
        case .finish(let tag):
            let outcome = try writer.finishMessage()
            if writer.shouldCommit { try writer.commit() }
            return Finished(tag: tag, outcome: outcome)
        case .abandon:
            try writer.abandonMessage()
        case .close:
            try writer.close()
        }
        return nil
    }
}
