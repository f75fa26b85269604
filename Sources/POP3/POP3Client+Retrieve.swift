import POP3Core

/// Receives retrieved messages as they stream in. Called in message order; `messageBytes` is
/// called many times per message with canonical bytes (dot-unstuffed, LF line ends), each
/// piece handed over for the sink to keep.
public protocol RetrievalSink: AnyObject {
    func messageStarted(number: Int) async throws
    func messageBytes(_ bytes: [UInt8]) async throws
    func messageFinished(number: Int) async throws
    /// What arrived of this message must not be kept: its framing cannot be trusted.
    func messageAbandoned(number: Int) async throws
    /// The server answered `-ERR` to this RETR; the session goes on.
    func messageRefused(number: Int, reply: StatusLine) async throws
}

extension POP3Client {
    /// Retrieves `numbers` in order. With PIPELINING (and `pipelined`) the RETR commands are
    /// sent ahead of their replies, at most `pipelineWindow` in flight; otherwise one at a time.
    /// Replies are matched to commands strictly in order. The window is refilled once half of it
    /// has been answered, in one write. Each message streams to `sink`; none is held whole in
    /// memory. Once `shouldStop` answers true no further RETR is sent; those in flight are
    /// still read, so the session stays in step and can end with QUIT. Returns how many replies
    /// were read.
    ///
    /// `sizes` (LIST's) and RETR's own `+OK n octets` let the decoder recognize a terminator
    /// glued to a last line that lacks its line end (`MultilineDecoder`); if the decoder then
    /// needs a reply to follow and none is in flight, a NOOP is sent. A reply whose framing is
    /// in doubt (a status line right after a line ending in `.` while another command was in
    /// flight, at no announced size) ends the session with `POP3Error.ambiguousFraming`
    /// before anything of it is kept: the caller fetches that message again without pipelining.
    @discardableResult
    public func retrieve(_ numbers: [Int], sizes: [Int: Int] = [:], pipelined: Bool = true, into sink: RetrievalSink,
                         shouldStop: () -> Bool = { false }) async throws -> Int {
        let window = pipelined && capabilities.pipelining ? max(1, endpoint.pipelineWindow) : 1
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
                let expectedSizes = [ListingParser.octets(inRETRReply: status.text), sizes[number]].compactMap { $0 }
                try await sink.messageStarted(number: number)
                var probed = false
                let decoder = try await transport.readMultiline(
                    for: command.description,
                    decoder: MultilineDecoder(bareLineFeeds: status.endedWithBareLF, expectedSizes: expectedSizes),
                    whenAwaitingReply: {
                        guard nextToSend <= index + 1 else { return }
                        try await self.transport.send([.noop])
                        probed = true
                    },
                    consume: { try await sink.messageBytes($0) })
                if probed { _ = try await transport.readStatusLine(for: POP3Command.noop.description) }
                if decoder.sawStatusLineAfterDotLine && (nextToSend > index + 1 || probed) {
                    try await sink.messageAbandoned(number: number)
                    throw POP3Error.ambiguousFraming("the reply to RETR \(number) holds a status line right after a line "
                        + "ending in \".\", at no size the server announced: a glued terminator may have swallowed the next "
                        + "reply, so the session's framing cannot be trusted")
                }
                if decoder.endedGlued {
                    logger.notice("the server ended a message with its terminator glued to the last line; stored as it was sent",
                                  metadata: ["number": "\(number)"])
                }
                try await sink.messageFinished(number: number)
            }
            return numbers.count
        } catch {
            throw POP3Error.from(error)
        }
    }
}
