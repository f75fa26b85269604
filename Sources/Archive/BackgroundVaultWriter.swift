import Crypto
import Foundation

/// Runs a `VaultWriter` on a thread of its own, so that compression and disk writes overlap
/// the network on the second core. The receiving side hashes each message while its bytes are
/// in that thread's cache (the writer thread is a backup's busiest) and copies them into one
/// of a fixed set of chunks and queues it; the worker applies the queue in order, committing
/// each batch when it is due, and hands the chunk back. When every chunk is in the queue the
/// receiving side waits, so memory stays at `chunkCount × chunkSize` whatever the message
/// sizes, and nothing is allocated per chunk. What the worker decided about each message comes
/// back through `takeFinished()`; an error on the worker comes back at the receiving side's
/// next call, and from then on the worker only drains the queue until `close()`.
///
/// `close()` must be called: it ends the worker thread. The waits are blocking ones on a
/// condition variable; the worker never needs the caller's threads (Swift concurrency's or
/// NIO's) to make progress, so neither side can deadlock the other.
public final class BackgroundVaultWriter: @unchecked Sendable {
    /// A message the worker has finished, with the tag the receiving side gave it.
    public struct Finished: Sendable {
        public let tag: Int
        public let outcome: StoreOutcome
    }

    private enum Operation {
        case begin(account: String, uidl: String, archivedAt: Date)
        case bytes(chunk: Int, count: Int)
        case finish(tag: Int, contentHash: String)
        case abandon
        case close
    }

    /// Touched by the worker thread only, once it has started (and by `droppedMappings` after `close`).
    private let writer: VaultWriter
    private let chunkSize: Int
    /// `chunkCount` chunks of `chunkSize` bytes, allocated once.
    private let storage: UnsafeMutableRawBufferPointer
    private let condition = NSCondition()
    // Guarded by `condition`:
    /// Operations in order; taken ones are set to nil before the front is cut.
    private var queue: [Operation?] = []
    private var queueHead = 0
    private var freeChunks: [Int]
    private var finished: [Finished] = []
    private var failure: Error?
    private var workerEnded = false
    private var closeRequested = false
    private var workerWaiting = false
    private var callerWaiting = false
    /// A receiving side that waits for a free chunk is woken when this many are free (or the
    /// worker runs out of work, fails or ends): woken for each one, it filled one chunk and
    /// waited again, two thread switches per 64 KiB.
    private let callerWakeThreshold: Int
    /// The receiving side's own: the chunk being filled and how full it is, and the hash of the
    /// message so far.
    private var filling: Int?
    private var filled = 0
    private var hasher = SHA256()

    public init(writer: VaultWriter, chunkCount: Int = 16, chunkSize: Int = 64 << 10) {
        self.writer = writer
        self.chunkSize = chunkSize
        storage = .allocate(byteCount: chunkCount * chunkSize, alignment: 64)
        freeChunks = Array((0..<chunkCount).reversed())
        callerWakeThreshold = max(1, chunkCount / 4)
        let thread = Thread { [self] in work() }
        thread.name = "popvault-writer"
        thread.start()
    }

    deinit { storage.deallocate() }

    /// Mappings the writer could not index (see `VaultWriter.droppedMappings`); read after `close()`.
    public var droppedMappings: [(account: String, uidl: String)] {
        condition.lock()
        defer { condition.unlock() }
        return workerEnded ? writer.droppedMappings : []
    }

    public func beginMessage(account: String, uidl: String, archivedAt: Date = Date()) throws {
        hasher = SHA256()
        try enqueue(.begin(account: account, uidl: uidl, archivedAt: archivedAt))
    }

    /// Copies `bytes`; the buffer may be reused as soon as this returns.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        hasher.update(bufferPointer: bytes)
        var rest = bytes
        while !rest.isEmpty {
            let chunk = try filling ?? takeFreeChunk()
            filling = chunk
            let taken = min(rest.count, chunkSize - filled)
            let destination = UnsafeMutableRawBufferPointer(rebasing: storage[(chunk * chunkSize + filled)...])
            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: rest[0..<taken]))
            filled += taken
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            if filled == chunkSize { try sendChunk() }
        }
    }

    /// Ends the message; its outcome comes back, under `tag`, through `takeFinished()`.
    public func finishMessage(tag: Int) throws {
        try sendChunk()
        try enqueue(.finish(tag: tag, contentHash: hasher.finalize().lowercaseHex))
    }

    /// Drops the message being written.
    public func abandonMessage() throws {
        releaseFillingChunk()
        try enqueue(.abandon)
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
        releaseFillingChunk()
        condition.lock()
        defer { condition.unlock() }
        if !closeRequested {
            closeRequested = true
            queue.append(.close)
            if workerWaiting { condition.broadcast() }
        }
        while !workerEnded {
            callerWaiting = true
            condition.wait()
            callerWaiting = false
        }
        if let failure { throw failure }
    }

    private func takeFreeChunk() throws -> Int {
        condition.lock()
        defer { condition.unlock() }
        while freeChunks.isEmpty && failure == nil && !workerEnded {
            callerWaiting = true
            condition.wait()
            callerWaiting = false
        }
        if let failure { throw failure }
        guard let chunk = freeChunks.popLast() else { throw ArchiveError.io("the vault writer was already closed") }
        return chunk
    }

    private func releaseFillingChunk() {
        guard let chunk = filling else { return }
        filling = nil
        filled = 0
        condition.lock()
        freeChunks.append(chunk)
        condition.unlock()
    }

    private func sendChunk() throws {
        guard let chunk = filling else { return }
        let count = filled
        filling = nil
        filled = 0
        try enqueue(.bytes(chunk: chunk, count: count))
    }

    private func enqueue(_ operation: Operation) throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        guard !workerEnded, !closeRequested else { throw ArchiveError.io("the vault writer was already closed") }
        queue.append(operation)
        if workerWaiting { condition.broadcast() }
    }

    private func work() {
        while true {
            condition.lock()
            while queueHead == queue.count {
                workerWaiting = true
                condition.wait()
                workerWaiting = false
            }
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
            if case .bytes(let chunk, _) = operation { freeChunks.append(chunk) }
            if case .close = operation { workerEnded = true }
            if callerWaiting && (freeChunks.count >= callerWakeThreshold || queueHead == queue.count || failure != nil || workerEnded) {
                condition.broadcast()
            }
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
            try writer.beginMessage(account: account, uidl: uidl, archivedAt: archivedAt, hashedByCaller: true)
        case .bytes(let chunk, let count):
            try writer.write(UnsafeRawBufferPointer(rebasing: storage[(chunk * chunkSize)..<(chunk * chunkSize + count)]))
        case .finish(let tag, let contentHash):
            let outcome = try writer.finishMessage(contentHash: contentHash)
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
