import Crypto
import Foundation

/// An append-only segment file being written by this process. Bytes collect in a buffer and
/// go to disk in large writes; `sync()` makes everything appended so far durable. Only the
/// member currently being written may be patched or cut off — never a committed byte.
///
/// The segment's SHA-256, recorded when it is sealed, is worked out as it grows: the writer
/// `settle()`s the bytes it has decided on, and they are hashed then, mostly from the buffer,
/// instead of reading a quarter-gigabyte file back at the seal.
final class SegmentFile {
    let id: Int64
    let name: String
    let path: String
    private let fd: Int32
    private var buffer: [UInt8] = []
    /// File offset of `buffer[0]`.
    private var bufferStart: Int64 = 0
    /// Whether anything changed since the last `sync()` (sealing right after a commit needs no second fsync).
    private var changedSinceSync = true
    private static let flushThreshold = 256 << 10
    /// SHA-256 of the bytes before `settledLength`; nil once a patch or a cut reached below
    /// that length, or reading a settled byte back failed (the seal then reads the file).
    private var digest: SHA256? = SHA256()
    private var settledLength: Int64 = 0
    /// For settled bytes that were written out before they were settled (a large member).
    private var readBack: [UInt8] = []

    /// The logical length: written plus buffered bytes.
    var length: Int64 { bufferStart + Int64(buffer.count) }

    /// Creates the file; fails if anything has that name (a process never appends to a segment
    /// it did not create, nor follows a symlink someone placed there).
    init(id: Int64, directory: String) throws {
        self.id = id
        name = SegmentName.make(id)
        path = directory + "/" + name
        fd = try FileSafety.open(path, O_RDWR | O_CREAT | O_EXCL)
        buffer.reserveCapacity(Self.flushThreshold + 128 * 1024)
        try fsyncDirectory(directory)
    }

    deinit { close(fd) }

    func append(_ bytes: [UInt8]) throws {
        changedSinceSync = true
        buffer.append(contentsOf: bytes)
        try flushIfLarge()
    }

    /// Runs `body` with the buffer so a compressor can write into it directly.
    func appending(_ body: (inout [UInt8]) throws -> Void) throws {
        changedSinceSync = true
        try body(&buffer)
        try flushIfLarge()
    }

    /// Overwrites bytes at `offset` (a header placeholder of the member being written).
    func patch(at offset: Int64, with bytes: [UInt8]) throws {
        changedSinceSync = true
        if offset < settledLength { digest = nil }
        if offset >= bufferStart {
            let start = Int(offset - bufferStart)
            buffer.replaceSubrange(start..<(start + bytes.count), with: bytes)
            return
        }
        let written = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(offset)) }
        guard written == bytes.count else { throw ArchiveError.io("cannot write to \(path): \(String(cString: strerror(errno)))") }
    }

    /// Cuts the file back to `offset` (drops the member being written).
    func truncate(to offset: Int64) throws {
        changedSinceSync = true
        if offset < settledLength { digest = nil }
        if offset >= bufferStart {
            buffer.removeSubrange(Int(offset - bufferStart)...)
            return
        }
        buffer.removeAll(keepingCapacity: true)
        guard ftruncate(fd, off_t(offset)) == 0 else { throw ArchiveError.io("cannot truncate \(path): \(String(cString: strerror(errno)))") }
        bufferStart = offset
    }

    /// Declares every byte appended so far final and adds it to the segment's SHA-256.
    func settle() {
        guard digest != nil else { return }
        while settledLength < bufferStart {
            if readBack.isEmpty { readBack = [UInt8](repeating: 0, count: Self.flushThreshold) }
            let want = Int(min(Int64(readBack.count), bufferStart - settledLength))
            let got = readBack.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(settledLength)) }
            guard got > 0 else {
                digest = nil
                return
            }
            readBack.withUnsafeBytes { digest?.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[0..<got])) }
            settledLength += Int64(got)
        }
        let unsettled = Int(settledLength - bufferStart)
        buffer.withUnsafeBytes { digest?.update(bufferPointer: UnsafeRawBufferPointer(rebasing: $0[unsettled...])) }
        settledLength = length
    }

    /// The SHA-256 (hex) of the whole segment as it stands, when every byte has been settled
    /// and the running digest is intact; nil means the file has to be read back.
    var settledSHA256: String? {
        guard let digest, settledLength == length else { return nil }
        return digest.finalize().lowercaseHex
    }

    private func flushIfLarge() throws {
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer[offset...].withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(bufferStart) + off_t(offset)) }
            guard written > 0 else {
                throw ArchiveError.io("cannot write to \(path): \(String(cString: strerror(errno))) (is the disk full?)")
            }
            offset += written
        }
        bufferStart += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes out the buffer and fsyncs the file: after this, every appended byte is on disk.
    func sync() throws {
        guard changedSinceSync else { return }
        try flush()
        guard fsync(fd) == 0 else { throw ArchiveError.io("cannot fsync \(path): \(String(cString: strerror(errno)))") }
        changedSinceSync = false
    }
}
