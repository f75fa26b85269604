import NIOConcurrencyHelpers
import NIOCore

/// Bytes received on a connection and not yet read: added by the channel's event loop
/// (`InboundByteStream`), taken by the session's task (`POP3Transport`), under one lock.
///
/// The reader takes everything queued at once, without a trip to the event loop, and a reader
/// that waits is woken once per network read with all of it. Servers write replies in small
/// TLS records (Dovecot's carry 4 KB), and handing them over one record per trip cost two
/// thread switches each: 59 trips for a 10,000-message UIDL listing.
final class ReceivedBytes: Sendable {
    enum StreamError: Error { case timedOut, closed }

    /// What `take` found.
    enum Taken {
        /// Buffers in the order they arrived; `readsHeldBack` says socket reads were paused
        /// for the queue's size and may go on now that it is empty.
        case bytes(CircularBuffer<ByteBuffer>, readsHeldBack: Bool)
        /// The input ended, cleanly or with an error, after everything before it was taken.
        case end(Error?)
    }

    private struct State {
        var buffers = CircularBuffer<ByteBuffer>()
        var count = 0
        var readsHeldBack = false
        var end: Result<Void, Error>?
        /// The reader parked in `take`, and since when.
        var waiter: (continuation: CheckedContinuation<Taken, Error>, since: NIODeadline)?

        /// Everything queued, or the end once nothing is; nil when the reader has to wait.
        mutating func take() -> Taken? {
            if !buffers.isEmpty {
                defer { buffers = CircularBuffer(); count = 0; readsHeldBack = false }
                return .bytes(buffers, readsHeldBack: readsHeldBack)
            }
            switch end {
            case .success: return .end(nil)
            case .failure(let error): return .end(error)
            case nil: return nil
            }
        }

        /// The waiting reader and what to hand it, if there is a reader and something for it.
        mutating func wakeable() -> (CheckedContinuation<Taken, Error>, Taken)? {
            guard let waiter, let taken = take() else { return nil }
            self.waiter = nil
            return (waiter.continuation, taken)
        }
    }

    private let state = NIOLockedValueBox(State())
    private let highWatermark: Int

    /// `highWatermark`: the queued bytes at which socket reads pause, so a fast server cannot
    /// fill our memory.
    init(highWatermark: Int) {
        self.highWatermark = highWatermark
    }

    // MARK: The reader's side

    /// Everything received and not yet taken, waiting for the first bytes if none are queued.
    /// At most one reader at a time.
    func take() async throws -> Taken {
        if let taken = state.withLockedValue({ $0.take() }) { return taken }
        return try await withCheckedThrowingContinuation { continuation in
            let taken = state.withLockedValue { state -> Taken? in
                if let taken = state.take() { return taken }
                state.waiter = (continuation, .now())
                return nil
            }
            if let taken { continuation.resume(returning: taken) }
        }
    }

    // MARK: The event loop's side

    var hasQueuedBytes: Bool { state.withLockedValue { $0.count > 0 } }

    /// Queues `buffer`; returns whether a reader waits (`wakeReader` hands it what arrived).
    func append(_ buffer: ByteBuffer) -> Bool {
        state.withLockedValue { state in
            state.buffers.append(buffer)
            state.count += buffer.readableBytes
            return state.waiter != nil
        }
    }

    /// Whether a reader waits in `take`.
    var readerIsWaiting: Bool { state.withLockedValue { $0.waiter != nil } }

    /// Hands what arrived to a waiting reader, at the end of a network read.
    func wakeReader() {
        if let (waiter, taken) = state.withLockedValue({ $0.wakeable() }) { waiter.resume(returning: taken) }
    }

    /// Whether the next socket read should wait for the reader to take what is queued.
    func holdsBackRead() -> Bool {
        state.withLockedValue { state in
            if state.count >= highWatermark { state.readsHeldBack = true }
            return state.readsHeldBack
        }
    }

    /// The end of the input: the peer closed (`error` nil) or the channel failed. The reader
    /// gets what was queued before it, then the end.
    func finish(_ error: Error?) {
        let wake = state.withLockedValue { state -> (CheckedContinuation<Taken, Error>, Taken)? in
            if state.end == nil { state.end = error.map { .failure($0) } ?? .success(()) }
            return state.wakeable()
        }
        if let (waiter, taken) = wake { waiter.resume(returning: taken) }
    }

    /// Fails a reader that has waited `timeout` or longer.
    func expireWaiter(after timeout: TimeAmount, now: NIODeadline = .now()) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Taken, Error>? in
            guard let waiter = state.waiter, now - waiter.since >= timeout else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume(throwing: StreamError.timedOut)
    }
}
