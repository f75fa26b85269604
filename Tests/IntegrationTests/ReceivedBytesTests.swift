import NIOCore
@testable import POP3
import Testing

/// The queue between the event loop and the session (`ReceivedBytes`), without a network: what
/// a reader gets, in which order, and when.
@Suite struct ReceivedBytesTests {
    private func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    private func text(_ taken: ReceivedBytes.Taken) -> String? {
        guard case .bytes(let buffers, _) = taken else { return nil }
        return buffers.map { String(buffer: $0) }.joined()
    }

    /// Waits until a reader started in a task is parked in `take`.
    private func untilWaiting(_ received: ReceivedBytes) async throws {
        for _ in 0..<1000 where !received.readerIsWaiting { try await Task.sleep(nanoseconds: 1_000_000) }
        #expect(received.readerIsWaiting)
    }

    @Test func queuedBytesAreTakenAtOnceInOrder() async throws {
        let received = ReceivedBytes(highWatermark: 1024)
        for part in ["+OK ", "1 2\r\n", "+OK\r\n"] { _ = received.append(buffer(part)) }
        #expect(text(try await received.take()) == "+OK 1 2\r\n+OK\r\n")
        #expect(!received.hasQueuedBytes)
    }

    @Test func aWaitingReaderIsWokenOnceWithTheWholeRead() async throws {
        let received = ReceivedBytes(highWatermark: 1024)
        let reader = Task { try await received.take() }
        try await untilWaiting(received)
        _ = received.append(buffer("a"))
        _ = received.append(buffer("b"))
        #expect(received.readerIsWaiting, "woken before the read ended")
        received.wakeReader()
        #expect(text(try await reader.value) == "ab")
    }

    @Test func theEndComesAfterTheBytesBeforeIt() async throws {
        let received = ReceivedBytes(highWatermark: 1024)
        _ = received.append(buffer("last"))
        received.finish(nil)
        #expect(text(try await received.take()) == "last")
        guard case .end(nil) = try await received.take() else { Issue.record("no clean end after the bytes"); return }
    }

    @Test func aFailureWakesAWaitingReader() async throws {
        struct Reset: Error {}
        let received = ReceivedBytes(highWatermark: 1024)
        let reader = Task { try await received.take() }
        try await untilWaiting(received)
        received.finish(Reset())
        guard case .end(let error?) = try await reader.value, error is Reset else { Issue.record("the failure was not handed over"); return }
    }

    @Test func readsAreHeldBackAtTheWatermarkUntilTheReaderTakes() async throws {
        let received = ReceivedBytes(highWatermark: 10)
        _ = received.append(buffer("12345"))
        #expect(!received.holdsBackRead())
        _ = received.append(buffer("67890"))
        #expect(received.holdsBackRead())
        guard case .bytes(_, let heldBack) = try await received.take() else { Issue.record("no bytes"); return }
        #expect(heldBack, "the reader was not told to let reads go on")
        #expect(!received.holdsBackRead())
    }

    @Test func aReaderThatWaitedTooLongTimesOut() async throws {
        let received = ReceivedBytes(highWatermark: 1024)
        let reader = Task { try await received.take() }
        try await untilWaiting(received)
        received.expireWaiter(after: .seconds(3), now: .now() + .seconds(1))
        #expect(received.readerIsWaiting, "failed before its time-out")
        received.expireWaiter(after: .seconds(3), now: .now() + .seconds(4))
        await #expect(throws: ReceivedBytes.StreamError.self) { try await reader.value }
    }
}
