import Foundation
import TestSupport
import Testing
@testable import Archive

/// The inflater must say exactly where deflate data ends, whatever the pieces it is fed: a
/// reader finds the member's trailer, and the next member, by it. ISA-L reads ahead, so this is
/// checked for streams from igzip and from gzip, fed a byte at a time up to all at once.
@Suite struct InflaterTests {
    private static let trailer: [UInt8] = Array(repeating: 0xAB, count: 8) + Array("next member".utf8)

    private static func samples() -> [[UInt8]] {
        var generator = SystemRandomNumberGenerator()
        let text = Array(String(repeating: "Subject: hello\r\nFrom 2024 >From quoted\r\n", count: 3000).utf8)
        let noise = (0..<300_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return [[], [0x41], Array(text.prefix(100)), text, noise, Array(text.prefix(50_000)) + noise + text]
    }

    private static func igzip(_ data: [UInt8], level: Int32) throws -> [UInt8] {
        let deflater = try Deflater(level: level)
        var out: [UInt8] = []
        try data.withUnsafeBytes { try deflater.compress($0, finish: true, into: &out) }
        return out
    }

    /// The raw deflate data of `gzip -n` (a 10-byte header, no name, and an 8-byte trailer).
    private static func gzip(_ data: [UInt8], level: Int, in directory: TemporaryDirectory) throws -> [UInt8] {
        let input = directory.file("in"), output = directory.file("out.gz")
        try Data(data).write(to: URL(fileURLWithPath: input))
        let result = try ProcessRunner.run("/bin/sh", ["-c", "gzip -n -\(level) -c \(input) > \(output)"])
        #expect(result.status == 0)
        let member = Array(try Data(contentsOf: URL(fileURLWithPath: output)))
        return Array(member[10..<(member.count - 8)])
    }

    /// Feeds `deflate` and what follows it in pieces of `piece` bytes, as a reader does.
    private static func inflate(_ deflate: [UInt8], piece: Int) throws -> (output: [UInt8], end: Int, padding: Int) {
        let input = deflate + trailer
        let inflater = Inflater()
        var output: [UInt8] = []
        var position = 0
        while !inflater.finished {
            let chunk = Array(input[position..<min(input.count, position + piece)])
            let used = try chunk.withUnsafeBytes { try inflater.inflate($0) { output.append(contentsOf: $0) } }
            position += used
            if used == 0 && !inflater.finished { Issue.record("no progress at \(position)"); break }
        }
        return (output, position, inflater.unusedBitsInLastByte)
    }

    @Test func endOfDeflateDataIsFoundWhateverThePieces() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (index, sample) in Self.samples().enumerated() {
            var streams = try [1, 3].map { try Self.igzip(sample, level: $0) }
            streams += try [1, 9].map { try Self.gzip(sample, level: $0, in: directory) }
            for deflate in streams {
                var paddings: Set<Int> = []
                for piece in [1, 2, 7, 16, 4096, deflate.count + Self.trailer.count] {
                    let (output, end, padding) = try Self.inflate(deflate, piece: piece)
                    #expect(output == sample, "sample \(index), pieces of \(piece): output differs")
                    #expect(end == deflate.count, "sample \(index), pieces of \(piece): ended at \(end), not \(deflate.count)")
                    paddings.insert(padding)
                }
                #expect(paddings.count == 1 && paddings.allSatisfy { $0 < 8 }, "sample \(index): padding bits \(paddings)")
            }
        }
    }
}
