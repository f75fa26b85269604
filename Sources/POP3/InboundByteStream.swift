import NIOCore
import NIOTLS

/// The last handler of a POP3 channel: queues received bytes for a pulling reader, holds back
/// socket reads while more than `highWatermark` bytes wait (so a fast server cannot fill our
/// memory), fails a waiting reader after its time-out, and reports the end of a TLS handshake.
/// Lives on the channel's event loop; reach it through `NIOLoopBound`.
final class InboundByteStream: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum StreamError: Error { case timedOut, closed }

    private let highWatermark: Int
    private var queue = CircularBuffer<ByteBuffer>()
    private var queuedBytes = 0
    private var readHeldBack = false
    private var waiter: EventLoopPromise<ByteBuffer?>?
    private var waiterTimeout: Scheduled<Void>?
    private var failure: Error?
    private var inputClosed = false
    private var handshake: EventLoopPromise<Void>?
    private var handshakeCompleted = false
    private var context: ChannelHandlerContext?

    init(highWatermark: Int = 256 * 1024) {
        self.highWatermark = highWatermark
    }

    /// Whether bytes have arrived that no reader has taken yet.
    var hasQueuedBytes: Bool { queuedBytes > 0 }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        if let waiter {
            self.waiter = nil
            waiterTimeout?.cancel()
            waiter.succeed(buffer)
        } else {
            queue.append(buffer)
            queuedBytes += buffer.readableBytes
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        inputClosed = true
        if let waiter {
            self.waiter = nil
            waiterTimeout?.cancel()
            waiter.succeed(nil)
        }
        handshake?.fail(failure ?? StreamError.closed)
        handshake = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if failure == nil { failure = error }
        if let waiter {
            self.waiter = nil
            waiterTimeout?.cancel()
            waiter.fail(error)
        }
        handshake?.fail(error)
        handshake = nil
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .handshakeCompleted = event as? TLSUserEvent {
            handshakeCompleted = true
            handshake?.succeed(())
            handshake = nil
        }
        context.fireUserInboundEventTriggered(event)
    }

    func read(context: ChannelHandlerContext) {
        if queuedBytes >= highWatermark {
            readHeldBack = true
        } else {
            context.read()
        }
    }

    /// The next received buffer, `nil` at the end of input. At most one reader waits at a time.
    func next(timeout: TimeAmount, eventLoop: EventLoop) -> EventLoopFuture<ByteBuffer?> {
        if let buffer = queue.popFirst() {
            queuedBytes -= buffer.readableBytes
            if readHeldBack && queuedBytes < highWatermark / 2, let context {
                readHeldBack = false
                context.read()
            }
            return eventLoop.makeSucceededFuture(buffer)
        }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        if inputClosed { return eventLoop.makeSucceededFuture(nil) }
        let promise = eventLoop.makePromise(of: ByteBuffer?.self)
        waiter = promise
        waiterTimeout = eventLoop.scheduleTask(in: timeout) { [weak self] in
            guard let self, let waiter = self.waiter else { return }
            self.waiter = nil
            waiter.fail(StreamError.timedOut)
        }
        if readHeldBack, let context {
            readHeldBack = false
            context.read()
        }
        return promise.futureResult
    }

    /// Completes when the TLS handshake has finished (or fails with its error).
    func handshakeDone(eventLoop: EventLoop) -> EventLoopFuture<Void> {
        if handshakeCompleted { return eventLoop.makeSucceededVoidFuture() }
        if let failure { return eventLoop.makeFailedFuture(failure) }
        if let handshake { return handshake.futureResult }
        let promise = eventLoop.makePromise(of: Void.self)
        handshake = promise
        return promise.futureResult
    }
}
