import Crypto
import Foundation

/// Reads a segment file by position with `pread`, a block at a time.
final class SegmentReader {
    let path: String
    let fileLength: Int64
    private let fd: Int32
    static let blockSize = 256 * 1024

    init(path: String) throws {
        self.path = path
        fd = try FileSafety.open(path, O_RDONLY)
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw ArchiveError.io("cannot read \(path): it is not a regular file")
        }
        fileLength = Int64(info.st_size)
    }

    deinit { close(fd) }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    func read(at offset: Int64, count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var total = 0
        while total < count {
            let got = buffer[total...].withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(offset) + off_t(total)) }
            if got < 0 { throw ArchiveError.io("cannot read \(path): \(String(cString: strerror(errno)))") }
            if got == 0 { break }
            total += got
        }
        buffer.removeSubrange(total...)
        return buffer
    }
}

enum FileDigest {
    /// SHA-256 of the first `length` bytes of a file, as hex.
    static func sha256(path: String, length: Int64) throws -> String {
        let reader = try SegmentReader(path: path)
        var hasher = SHA256()
        var offset: Int64 = 0
        while offset < length {
            let block = try reader.read(at: offset, count: Int(min(Int64(256 << 10), length - offset)))
            if block.isEmpty { break }
            hasher.update(data: block)
            offset += Int64(block.count)
        }
        return hasher.finalize().lowercaseHex
    }
}

/// One member read back from a segment.
public struct ScannedMember: Sendable {
    public let offset: Int64
    public let length: Int64
    public let metadata: MemberMetadata
    /// SHA-256 of the canonical message re-computed from the member (nil for a mapping).
    public let computedHash: String?
    /// The first bytes of the message, for its header summary.
    public let prefix: [UInt8]

    /// Whether the member's content matches what its header says.
    public var isIntact: Bool {
        metadata.kind == .map || (computedHash == metadata.contentHash)
    }
}

/// Reads members of a segment in order, inflating and checking each: gzip CRC-32 and ISIZE,
/// then the re-computed SHA-256 against the header. A damaged member is reported and the scan
/// resynchronises on the next member header, so one bad byte costs one message, not the rest.
final class MemberScanner {
    enum Event {
        case member(ScannedMember)
        /// Bytes from `offset` up to `resumedAt` could not be read as members.
        case damaged(offset: Int64, resumedAt: Int64?, reason: String)
    }

    private let reader: SegmentReader
    private let inflater: Inflater
    private let limit: Int64

    init(path: String, limit: Int64? = nil) throws {
        reader = try SegmentReader(path: path)
        inflater = Inflater()
        self.limit = min(limit ?? reader.fileLength, reader.fileLength)
    }

    var fileLength: Int64 { reader.fileLength }

    /// Calls `handle` for every member and damaged region from `start`; `consume`, if given,
    /// receives each message's canonical bytes (for restore). Returns where the last intact member ended.
    @discardableResult
    func scan(from start: Int64 = 0, handle: (Event) throws -> Void) throws -> Int64 {
        var offset = start
        var lastGoodEnd = start
        while offset < limit {
            switch try readMember(at: offset) {
            case .success(let member):
                if member.isIntact {
                    try handle(.member(member))
                    lastGoodEnd = offset + member.length
                    offset += member.length
                } else {
                    let next = try findNextHeader(after: offset)
                    try handle(.damaged(offset: offset, resumedAt: next, reason: "content does not match its SHA-256 (\(member.metadata.uidl))"))
                    guard let next else { return lastGoodEnd }
                    offset = next
                }
            case .failure(let problem):
                let next = try findNextHeader(after: offset)
                try handle(.damaged(offset: offset, resumedAt: next, reason: problem.reason))
                guard let next else { return lastGoodEnd }
                offset = next
            }
        }
        return lastGoodEnd
    }

    struct Problem: Error { let reason: String }

    /// Reads, inflates and checks the member at `offset`, streaming its canonical bytes to
    /// `consume`. Inflation stops as soon as the member yields more than its header's canonical
    /// length (and a mapping member any byte): a tampered member cannot make a reader inflate
    /// more than the message it claims to hold.
    /// `expectedLength`: the canonical length the index records, for readers that go by it;
    /// a header that says otherwise is damaged.
    func readMember(at offset: Int64, expectedLength: Int64? = nil,
                    consume: ((UnsafeRawBufferPointer) throws -> Void)? = nil) throws -> Result<ScannedMember, Problem> {
        var head = try reader.read(at: offset, count: 4096)
        var parsed: GzipHeader.Parsed?
        while parsed == nil {
            switch GzipHeader.parse(head[...]) {
            case .parsed(let header): parsed = header
            case .invalid(let reason): return .failure(Problem(reason: "bad member header: \(reason)"))
            case .needMoreBytes(let count):
                guard count <= 70_000, offset + Int64(head.count) < limit else {
                    return .failure(Problem(reason: "truncated member header"))
                }
                head = try reader.read(at: offset, count: count)
                if head.count < count { return .failure(Problem(reason: "truncated member header")) }
            }
        }
        guard let header = parsed else { return .failure(Problem(reason: "bad member header")) }
        // MTIME, XFL and OS are outside every checksum; popvault writes them deterministically.
        guard let encoded = GzipHeader.encode(header.metadata), head.prefix(header.length).elementsEqual(encoded) else {
            return .failure(Problem(reason: "member header damaged"))
        }
        let isBlob = header.metadata.kind == .blob
        if let expectedLength, isBlob, Int64(header.metadata.canonicalLength) != expectedLength {
            return .failure(Problem(reason: "its header records \(header.metadata.canonicalLength) bytes, the index \(expectedLength)"))
        }
        inflater.reset()
        var content = MemberContentDecoder(canonicalLimit: isBlob ? header.metadata.canonicalLength : 0)
        var crc: UInt32 = 0
        var size: UInt32 = 0
        var position = offset + Int64(header.length)
        do {
            while !inflater.finished {
                guard position < limit else { return .failure(Problem(reason: "member is cut short (torn write?)")) }
                let block = try reader.read(at: position, count: Int(min(Int64(SegmentReader.blockSize), limit - position)))
                let used = try block.withUnsafeBytes { raw in
                    try inflater.inflate(raw) { output in
                        crc = CRC32.update(crc, output)
                        size &+= UInt32(truncatingIfNeeded: output.count)
                        try content.feed(output, consume: consume)
                    }
                }
                position += Int64(used)
                if used == 0 && !inflater.finished { return .failure(Problem(reason: "deflate data ends early")) }
            }
        } catch let error as ArchiveError {
            return .failure(Problem(reason: "\(error)"))
        }
        // The last deflate byte is padded with zero bits; a flipped padding bit changes nothing
        // else, so it is checked here to name the member that holds it.
        let padding = inflater.unusedBitsInLastByte
        if padding > 0, let last = try reader.read(at: position - 1, count: 1).first, last >> (8 - padding) != 0 {
            return .failure(Problem(reason: "non-zero padding bits after the deflate data"))
        }
        let trailer = try reader.read(at: position, count: 8)
        guard trailer.count == 8 else { return .failure(Problem(reason: "member trailer is missing (torn write?)")) }
        let storedCRC = UInt32(trailer[0]) | UInt32(trailer[1]) << 8 | UInt32(trailer[2]) << 16 | UInt32(trailer[3]) << 24
        let storedSize = UInt32(trailer[4]) | UInt32(trailer[5]) << 8 | UInt32(trailer[6]) << 16 | UInt32(trailer[7]) << 24
        guard storedCRC == crc else { return .failure(Problem(reason: "CRC-32 mismatch")) }
        guard storedSize == size else { return .failure(Problem(reason: "ISIZE mismatch")) }
        do {
            try content.finish(consume: consume)
        } catch let error as ArchiveError {
            return .failure(Problem(reason: "\(error)"))
        }
        if !isBlob && size != 0 { return .failure(Problem(reason: "mapping member holds data")) }
        let member = ScannedMember(offset: offset, length: position + 8 - offset, metadata: header.metadata,
                                   computedHash: isBlob ? content.digest() : nil, prefix: content.prefix)
        if isBlob && content.length != header.metadata.canonicalLength {
            return .failure(Problem(reason: "length \(content.length) differs from the recorded \(header.metadata.canonicalLength)"))
        }
        return .success(member)
    }

    /// The first `count` canonical bytes of the message at `offset`, nil if its member cannot
    /// be read that far. Inflates only as much as it needs.
    func readPrefix(at offset: Int64, count: Int) throws -> [UInt8]? {
        var prefix: [UInt8] = []
        do {
            let result = try readMember(at: offset) { bytes in
                prefix.append(contentsOf: bytes.prefix(count - prefix.count))
                if prefix.count >= count { throw PrefixComplete() }
            }
            guard case .success = result else { return nil }
        } catch is PrefixComplete {
            return prefix
        }
        return prefix
    }

    private struct PrefixComplete: Error {}

    /// The offset of the next plausible member header after `offset`, if any.
    private func findNextHeader(after offset: Int64) throws -> Int64? {
        var position = offset + 1
        while position < limit {
            let block = try reader.read(at: position, count: Int(min(Int64(SegmentReader.blockSize), limit - position)))
            if block.count < GzipHeader.magic.count { return nil }
            var i = 0
            while i + GzipHeader.fixedLength <= block.count {
                if block[i] == 0x1F && block[i + 1] == 0x8B && block[i + 2] == 0x08 && block[i + 3] == 0x04
                    && block[i + 12] == MemberMetadata.subfieldID.0 && block[i + 13] == MemberMetadata.subfieldID.1 {
                    return position + Int64(i)
                }
                i += 1
            }
            position += Int64(max(1, block.count - GzipHeader.fixedLength))
        }
        return nil
    }
}

/// Recovers the canonical message from a member's mboxrd entry: drops the `From ` line and the
/// final blank line, unquotes `>From `, and hashes what remains.
struct MemberContentDecoder {
    /// The `From ` separator popvault writes is about 45 bytes; a longer one is not its.
    static let maximumFromLine = 256

    private let canonicalLimit: Int
    private var skippingFromLine = true
    private var fromLineLength = 0
    private var unquoter = MboxrdUnquoter()
    private var held: UInt8?
    private var output: [UInt8] = []
    private var hasher = SHA256()
    private(set) var length = 0
    private(set) var prefix: [UInt8] = []

    init(canonicalLimit: Int) {
        self.canonicalLimit = canonicalLimit
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer, consume: ((UnsafeRawBufferPointer) throws -> Void)?) throws {
        var slice = bytes[...]
        if skippingFromLine {
            guard let newline = slice.firstIndex(of: 10) else {
                fromLineLength += slice.count
                if fromLineLength > Self.maximumFromLine { throw ArchiveError.corrupt("the mbox separator line is too long") }
                return
            }
            slice = slice[(newline + 1)...]
            skippingFromLine = false
        }
        guard let last = slice.last else { return }
        // The last byte is held back: if it is the final one, it is the blank line's LF.
        var input: [UInt8] = []
        input.reserveCapacity(slice.count)
        if let held { input.append(held) }
        input.append(contentsOf: slice.dropLast())
        held = last
        output.removeAll(keepingCapacity: true)
        input.withUnsafeBytes { unquoter.unquote($0, into: &output) }
        try emit(consume)
    }

    /// Ends the entry; the held last byte is the blank line's LF and is dropped.
    mutating func finish(consume: ((UnsafeRawBufferPointer) throws -> Void)?) throws {
        output.removeAll(keepingCapacity: true)
        unquoter.finish(into: &output)
        try emit(consume)
    }

    private mutating func emit(_ consume: ((UnsafeRawBufferPointer) throws -> Void)?) throws {
        guard !output.isEmpty else { return }
        length += output.count
        guard length <= canonicalLimit else {
            throw ArchiveError.corrupt("the member holds more than the \(canonicalLimit) bytes its header records")
        }
        hasher.update(data: output)
        if prefix.count < HeaderSummary.prefixLimit { prefix.append(contentsOf: output.prefix(HeaderSummary.prefixLimit - prefix.count)) }
        if let consume { try output.withUnsafeBytes(consume) }
    }

    func digest() -> String { hasher.finalize().lowercaseHex }
}
