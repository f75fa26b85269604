import POP3Core

/// Receives retrieved messages as they stream in. Called in message order; `messageBytes`
/// is called many times per message with canonical bytes (dot-unstuffed, LF line ends).
/// The buffer passed to `messageBytes` is only valid during the call.
public protocol RetrievalSink: AnyObject {
    func messageStarted(number: Int) throws
    func messageBytes(_ bytes: UnsafeRawBufferPointer) throws
    func messageFinished(number: Int) async throws
    /// The server answered `-ERR` to this RETR; the session goes on.
    func messageRefused(number: Int, reply: StatusLine) async throws
}

extension POP3Client {
    /// Retrieves `numbers` in order. With PIPELINING the RETR commands are sent ahead of their
    /// replies, at most `pipelineWindow` in flight; without it, one at a time. Replies are matched
    /// to commands strictly in order. The window is refilled once half of it has been answered,
    /// in one write: topping it up after every reply cost a write and a wake of the event loop
    /// per message, most of the time a small message takes. Each message streams to `sink`;
    /// none is held whole in memory. Once `shouldStop` answers true no further RETR is sent;
    /// those in flight are still read, so the session stays in step and can end with QUIT.
    /// Returns how many replies were read.
    @discardableResult
    public func retrieve(_ numbers: [Int], into sink: RetrievalSink,
                         shouldStop: () -> Bool = { false }) async throws -> Int {
        let window = capabilities.pipelining ? max(1, endpoint.pipelineWindow) : 1
        var nextToSend = 0
        do {
            for (index, number) in numbers.enumerated() {
                if index == nextToSend && shouldStop() { return index }
                if nextToSend - index <= window / 2 && nextToSend < numbers.count && !shouldStop() {
                    let end = min(numbers.count, index + window)
                    try await transport.send(numbers[nextToSend..<end].map { .retr($0) })
                    nextToSend = end
                }
                let command = POP3Command.retr(number)
                let status = try await transport.readStatusLine(for: command.description)
                guard status.isOK else {
                    logger.warning("server refused a message", metadata: ["number": "\(number)", "reply": "\(status)"])
                    try await sink.messageRefused(number: number, reply: status)
                    continue
                }
                try sink.messageStarted(number: number)
                try await transport.readMultiline(for: command.description, bareLineFeeds: status.endedWithBareLF) { bytes in
                    try sink.messageBytes(bytes)
                }
                try await sink.messageFinished(number: number)
            }
            return numbers.count
        } catch {
            throw POP3Error.from(error)
        }
    }
}

extension POP3Client {
    /// `TOP n lines`: the header and the first `lines` body lines, streamed like RETR. Some servers
    /// truncate TOP (Maillennium), so a backup always uses RETR; TOP is for looking.
    public func top(_ number: Int, lines: Int, into sink: RetrievalSink) async throws {
        do {
            let command = POP3Command.top(number, lines: lines)
            let status = try await self.command(command)
            try sink.messageStarted(number: number)
            try await transport.readMultiline(for: command.description, bareLineFeeds: status.endedWithBareLF) { bytes in
                try sink.messageBytes(bytes)
            }
            try await sink.messageFinished(number: number)
        } catch {
            throw POP3Error.from(error)
        }
    }
}
