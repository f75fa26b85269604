import NIOCore
import NIOTLS

/// The last handler of a POP3 channel: queues received bytes in `ReceivedBytes` for the
/// session's task and wakes it at the end of each network read, holds back socket reads while
/// more than the high watermark waits there, fails a reader that waited longer than the reply
/// time-out, and reports the end of a TLS handshake. Lives on the channel's event loop; reach
/// it through `NIOLoopBound`.
final class InboundByteStream: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let received: ReceivedBytes
    private let replyTimeout: TimeAmount
    private var watchdog: RepeatedTask?
    private var wakeScheduled = false
    private var failure: Error?
    private var handshake: EventLoopPromise<Void>?
    private var handshakeCompleted = false
    private var context: ChannelHandlerContext?
    /// Set once TLS sits below this handler. NIOSSL hands on its plaintext buffer and keeps a
    /// reference to it for the next read; if the session's task still holds that buffer then,
    /// NIOSSL's next write copies it whole (its capacity, up to half a megabyte, into fresh memory).
    /// Copying out only the bytes received leaves NIOSSL the sole owner, so it reuses its buffer.
    var copiesReceivedBytes = false

    init(replyTimeout: TimeAmount, highWatermark: Int = 256 * 1024) {
        self.replyTimeout = replyTimeout
        self.received = ReceivedBytes(highWatermark: highWatermark)
    }

    /// A reader is failed between `replyTimeout` and an eighth more after it began to wait: one
    /// timer per connection instead of one per wait.
    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        let (received, timeout) = (self.received, replyTimeout)
        let period = max(TimeAmount.milliseconds(50), .nanoseconds(timeout.nanoseconds / 8))
        watchdog = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            received.expireWaiter(after: timeout)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        watchdog?.cancel()
        watchdog = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        let readerWaits = received.append(copiesReceivedBytes ? context.channel.allocator.buffer(buffer: bytes) : bytes)
        // Woken at the end of the read; this covers bytes that come without a read's end.
        if readerWaits && !wakeScheduled {
            wakeScheduled = true
            context.eventLoop.execute { [received] in received.wakeReader() }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        wakeScheduled = false
        received.wakeReader()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        watchdog?.cancel()
        watchdog = nil
        received.finish(failure)
        handshake?.fail(failure ?? ReceivedBytes.StreamError.closed)
        handshake = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if failure == nil { failure = error }
        received.finish(error)
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
        if !received.holdsBackRead() { context.read() }
    }

    /// Goes on reading from the socket after the reader emptied a queue that had held reads back.
    func resumeHeldBackRead() {
        context?.read()
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
