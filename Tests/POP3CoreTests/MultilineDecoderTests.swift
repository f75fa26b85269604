import Testing
@testable import POP3Core

@Suite struct MultilineDecoderTests {
    /// Decodes `wire` fed in pieces of `pieceSize`, returning output and leftover.
    private func decode(_ wire: String, pieceSize: Int, bareLineFeeds: Bool = false) -> (String, String, Bool) {
        var decoder = MultilineDecoder(bareLineFeeds: bareLineFeeds)
        var output: [UInt8] = []
        let bytes = Array(wire.utf8)
        var index = 0
        while index < bytes.count && !decoder.isFinished {
            let end = min(bytes.count, index + pieceSize)
            let consumed = bytes[index..<end].withUnsafeBytes { decoder.decode($0, into: &output) }
            index += consumed
        }
        return (String(decoding: output, as: UTF8.self), String(decoding: bytes[index...], as: UTF8.self), decoder.isFinished)
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
