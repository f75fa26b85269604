import Foundation
import TestSupport
import Testing
@testable import Archive

/// The SHA-256 a segment is sealed with is worked out while it is written (`SegmentFile.settle`);
/// it must always be the digest of the bytes on disk, or nil so that the seal reads them back.
@Suite struct SegmentDigestTests {
    @Test func theRunningDigestIsTheFilesWhateverWasPatchedCutOrWrittenOutEarly() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let segment = try SegmentFile(id: 1, directory: directory.path)
        var generator = SplitMix64(seed: 7)
        for member in 0..<60 {
            // Sizes on both sides of the 256 KiB write-out threshold, so that some headers are
            // patched in the buffer and some in the file.
            let size = member % 7 == 0 ? Int(generator.next() % 700_000) : Int(generator.next() % 5_000)
            let start = segment.length
            try segment.append([UInt8](repeating: 0, count: 16))
            var written = 0
            while written < size {
                let piece = min(size - written, 1 + Int(generator.next() % 90_000))
                try segment.append((0..<piece).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
                written += piece
            }
            try segment.patch(at: start, with: (0..<16).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
            if member % 4 == 3 { try segment.truncate(to: start) }
            segment.settle()
        }
        try segment.sync()
        let onDisk = try FileDigest.sha256(path: segment.path, length: segment.length)
        #expect(segment.settledSHA256 == onDisk)
        let file = try [UInt8](Data(contentsOf: URL(fileURLWithPath: segment.path)))
        #expect(Int64(file.count) == segment.length)
        #expect(Canonical.sha256Hex(file) == onDisk)
    }

    @Test func bytesNotSettledOrChangedAfterSettlingLeaveNoDigest() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let segment = try SegmentFile(id: 1, directory: directory.path)
        try segment.append(Array(repeating: 1, count: 100))
        #expect(segment.settledSHA256 == nil, "appended but not settled")
        segment.settle()
        #expect(segment.settledSHA256 != nil)
        try segment.patch(at: 10, with: [2, 2])
        #expect(segment.settledSHA256 == nil, "a settled byte was patched")
        segment.settle()
        #expect(segment.settledSHA256 == nil, "the digest stays lost for the rest of the segment")

        let other = try SegmentFile(id: 2, directory: directory.path)
        try other.append(Array(repeating: 1, count: 100))
        other.settle()
        try other.truncate(to: 50)
        #expect(other.settledSHA256 == nil, "settled bytes were cut off")
    }
}
