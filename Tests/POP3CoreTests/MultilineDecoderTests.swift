import Testing
@testable import POP3Core

@Suite struct MultilineDecoderTests {
    /// Decodes `wire` fed in pieces of `pieceSize`, as the transport feeds it: bytes the decoder
    /// did not consume are handed in again with the next piece. Returns output and leftover.
    private func decode(_ wire: String, pieceSize: Int, bareLineFeeds: Bool = false) -> (String, String, Bool) {
        let (out, rest, decoder) = decoding(wire, pieceSize: pieceSize, decoder: MultilineDecoder(bareLineFeeds: bareLineFeeds))
        return (out, rest, decoder.isFinished)
    }

    private func decoding(_ wire: String, pieceSize: Int, decoder start: MultilineDecoder) -> (String, String, MultilineDecoder) {
        var decoder = start
        var output: [UInt8] = []
        let bytes = Array(wire.utf8)
        var pending: [UInt8] = []
        var next = 0
        while !decoder.isFinished && next < bytes.count {
            let end = min(bytes.count, next + pieceSize)
            pending += bytes[next..<end]
            next = end
            let consumed = pending.withUnsafeBytes { decoder.decode($0, into: &output) }
            pending.removeFirst(consumed)
        }
        return (String(decoding: output, as: UTF8.self), String(decoding: pending + bytes[next...], as: UTF8.self), decoder)
    }

    /// Glued terminators (`last line.` CRLF, as Exchange 2000 sends a message without a final
    /// line end): with the size the server announced, the message ends at that line and gains
    /// its line end, and the next reply is left unread; dot-stuffed lines, lines that are a
    /// single `.`, and sizes counted with LF line ends included; at every split.
    @Test func aGluedTerminatorEndsTheMessageAtTheAnnouncedSize() {
        let cases: [(wire: String, size: Int, expected: String)] = [
            ("line1\r\nlast line.\r\n+OK 12 octets\r\n", 16, "line1\nlast line\n"),
            ("a\r\n..\r\n...b\r\nend.\r\n+OK next\r\n", 14, "a\n.\n..b\nend\n"),
            ("x\r\n...\r\n-ERR no such message\r\n", 4, "x\n.\n"),
            ("one\r\ntwo.\r\n+OK\r\n", 7, "one\ntwo\n"),
            ("short.\r\n+ok\r\n", 5, "short\n"),
        ]
        for (wire, size, expected) in cases {
            for piece in 1...wire.utf8.count {
                let (out, rest, decoder) = decoding(wire, pieceSize: piece, decoder: MultilineDecoder(expectedSizes: [size]))
                #expect(decoder.isFinished && decoder.endedGlued, "\(wire) piece \(piece)")
                #expect(out == expected, "\(wire) piece \(piece)")
                #expect(rest.hasPrefix("+") || rest.hasPrefix("-"), "\(wire) piece \(piece): left \(rest)")
                #expect(!out.contains("+OK") && !out.contains("-ERR"))
            }
        }
    }

    /// A line ending in `.` at an announced size is only a candidate: what follows decides. A
    /// legitimate line `abc.`, a terminator after it, or content that merely starts with `+`
    /// keep the message going, byte for byte.
    @Test func aCandidateEndIsRefutedByWhatFollows() {
        let cases: [(wire: String, sizes: [Int], expected: String)] = [
            ("abc.\r\n.\r\n+OK", [6], "abc.\n"),
            ("abc.\r\n.\r\n+OK", [3], "abc.\n"),
            ("abc.\r\nmore\r\n.\r\n+OK", [3], "abc.\nmore\n"),
            ("abc.\r\n+1 to that\r\n.\r\n+OK", [3], "abc.\n+1 to that\n"),
            ("abc.\r\n..\r\n.\r\n+OK", [3], "abc.\n.\n"),
        ]
        for (wire, sizes, expected) in cases {
            for piece in 1...wire.utf8.count {
                let (out, rest, decoder) = decoding(wire, pieceSize: piece, decoder: MultilineDecoder(expectedSizes: sizes))
                #expect(decoder.isFinished && !decoder.endedGlued, "\(wire) piece \(piece)")
                #expect(out == expected && rest == "+OK", "\(wire) piece \(piece): \(out) / \(rest)")
            }
        }
    }

    /// A candidate with nothing after it waits, and says so, for the caller to make a reply follow.
    @Test func aCandidateAtTheEndOfTheInputAwaitsTheFollowingReply() {
        var decoder = MultilineDecoder(expectedSizes: [3])
        var output: [UInt8] = []
        _ = Array("abc.\r\n".utf8).withUnsafeBytes { decoder.decode($0, into: &output) }
        #expect(!decoder.isFinished && decoder.awaitsFollowingReply && output == Array("abc".utf8))
        let consumed = Array("+OK\r\n".utf8).withUnsafeBytes { decoder.decode($0, into: &output) }
        #expect(consumed == 0 && decoder.isFinished && decoder.endedGlued && output == Array("abc\n".utf8))
    }

    /// Without a size to go by, a status line right after a line ending in `.` is noted, never
    /// taken for the end: the caller decides whether the framing can be trusted.
    @Test func aStatusLineAfterADotLineIsNotedWithoutASize() {
        let wire = "end.\r\n+OK 5 octets\r\nxx\r\n.\r\n"
        for piece in [1, 3, 7, wire.utf8.count] {
            let (out, _, decoder) = decoding(wire, pieceSize: piece, decoder: MultilineDecoder(expectedSizes: [1000]))
            #expect(decoder.isFinished && !decoder.endedGlued && out == "end.\n+OK 5 octets\nxx\n")
            #expect(decoder.sawStatusLineAfterDotLine, "piece \(piece)")
        }
        let (_, _, plain) = decoding("end.\r\nmore\r\n.\r\n", pieceSize: 100, decoder: MultilineDecoder(expectedSizes: [1000]))
        #expect(!plain.sawStatusLineAfterDotLine)
    }

    @Test func unstuffsAndConvertsLineEndsAtEverySplit() {
        let wire = "Subject: x\r\n\r\n..\r\n...two\r\n.x\r\nFrom me\r\nbare\rcr\r\nend\r\n.\r\n+OK next"
        for size in 1...wire.utf8.count {
            let (out, rest, done) = decode(wire, pieceSize: size)
            #expect(done)
            #expect(out == "Subject: x\n\n.\n..two\nx\nFrom me\nbare\rcr\nend\n", "piece size \(size)")
            #expect(rest == "+OK next", "piece size \(size)")
        }
    }

    @Test func emptyReplyEndsAtOnce() {
        let (out, rest, done) = decode(".\r\n", pieceSize: 1)
        #expect(done && out.isEmpty && rest.isEmpty)
    }

    @Test func dotBareLFIsContentForCRLFServers() {
        let (out, _, done) = decode("a\r\n.\nb\r\n.\r\n", pieceSize: 3)
        #expect(done)
        #expect(out == "a\n\nb\n")
    }

    @Test func bareLFServerEndsOnDotLF() {
        let (out, rest, done) = decode("a\n..b\n.\nX", pieceSize: 2, bareLineFeeds: true)
        #expect(done)
        #expect(out == "a\n.b\n")
        #expect(rest == "X")
    }

    @Test func unfinishedReplyIsNotFinished() {
        let (out, _, done) = decode("abc\r\ndef", pieceSize: 4)
        #expect(!done)
        #expect(out == "abc\ndef")
    }

    @Test func countsProducedBytes() {
        var decoder = MultilineDecoder()
        var output: [UInt8] = []
        _ = Array("ab\r\n.\r\n".utf8).withUnsafeBytes { decoder.decode($0, into: &output) }
        #expect(decoder.producedCount == 3)
    }
}
