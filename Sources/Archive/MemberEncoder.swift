import Crypto
import Foundation

/// Writes one message as one gzip member of a segment, streaming: the header goes first with a
/// placeholder for the metadata, the mboxrd entry (`From ` line, quoted message, blank line) is
/// deflated as bytes arrive, and when the message ends the header is patched with the content
/// hash and length. Until then the member is not committed, so patching it is safe.
final class MemberEncoder {
    private let deflater: Deflater
    private var quoter = MboxrdQuoter()
    private var quoted: [UInt8] = []
    /// Hashes the message as it passes, unless its writer was given the hash (`begin`).
    private var hasher: SHA256?
    private var crc: UInt32 = 0
    private var uncompressedSize: UInt32 = 0
    private(set) var canonicalLength = 0
    /// The first bytes of the message, for its header summary.
    private(set) var prefix: [UInt8] = []
    private var placeholder = MemberMetadata.placeholder(account: "", uidl: "", archivedAt: 0)
    private(set) var start: Int64 = 0

    init(level: Int32) throws {
        deflater = try Deflater(level: level)
        quoted.reserveCapacity(256 * 1024)
    }

    /// `hashedByCaller`: the caller hashes the message itself and hands the hash to `finish`.
    func begin(in segment: SegmentFile, account: String, uidl: String, archivedAt: Int, hashedByCaller: Bool) throws {
        start = segment.length
        placeholder = MemberMetadata.placeholder(account: account, uidl: uidl, archivedAt: archivedAt)
        quoter = MboxrdQuoter()
        hasher = hashedByCaller ? nil : SHA256()
        crc = 0
        uncompressedSize = 0
        canonicalLength = 0
        prefix.removeAll(keepingCapacity: true)
        deflater.reset()
        try segment.append(Self.header(placeholder))
        try deflate(Array(MboxSeparator.line(time: archivedAt).utf8), in: segment, finish: false)
    }

    func write(_ bytes: UnsafeRawBufferPointer, in segment: SegmentFile) throws {
        hasher?.update(bufferPointer: bytes)
        canonicalLength += bytes.count
        if prefix.count < HeaderSummary.prefixLimit {
            prefix.append(contentsOf: bytes.prefix(HeaderSummary.prefixLimit - prefix.count))
        }
        let unchanged = quoter.passThroughLength(bytes)
        if unchanged > 0 { try deflate(UnsafeRawBufferPointer(rebasing: bytes[0..<unchanged]), in: segment, finish: false) }
        guard unchanged < bytes.count else { return }
        quoted.removeAll(keepingCapacity: true)
        quoter.quote(UnsafeRawBufferPointer(rebasing: bytes[unchanged...]), into: &quoted)
        try deflate(quoted, in: segment, finish: false)
    }

    /// Ends the member; returns its metadata (with the content hash) once the header is patched.
    /// `contentHash` is the caller's hash of the message, when it said at `begin` it would hash it.
    func finish(in segment: SegmentFile, contentHash: String?) throws -> MemberMetadata {
        guard let hash = contentHash ?? hasher?.finalize().lowercaseHex, (contentHash == nil) == (hasher != nil) else {
            throw ArchiveError.io("a message's content hash must come from its writer or its caller, exactly one of them")
        }
        quoted.removeAll(keepingCapacity: true)
        quoter.finish(into: &quoted)
        quoted.append(10)  // the blank line that ends an mbox entry
        try deflate(quoted, in: segment, finish: true)
        try segment.append(Self.trailer(crc: crc, size: uncompressedSize))
        var metadata = placeholder
        metadata.contentHash = hash
        metadata.canonicalLength = canonicalLength
        try segment.patch(at: start, with: Self.header(metadata))
        return metadata
    }

    /// Writes an empty member that records a mapping (known content under a new UIDL or account).
    func writeMapping(_ metadata: MemberMetadata, in segment: SegmentFile) throws {
        start = segment.length
        deflater.reset()
        try segment.append(Self.header(metadata))
        try segment.appending { try deflater.compress(UnsafeRawBufferPointer(start: nil, count: 0), finish: true, into: &$0) }
        try segment.append(Self.trailer(crc: 0, size: 0))
    }

    private func deflate(_ bytes: [UInt8], in segment: SegmentFile, finish: Bool) throws {
        try bytes.withUnsafeBytes { try deflate($0, in: segment, finish: finish) }
    }

    private func deflate(_ raw: UnsafeRawBufferPointer, in segment: SegmentFile, finish: Bool) throws {
        crc = CRC32.update(crc, raw)
        uncompressedSize &+= UInt32(truncatingIfNeeded: raw.count)
        try segment.appending { try deflater.compress(raw, finish: finish, into: &$0) }
    }

    /// The member header for `metadata`; the account and UIDL are bounded before they get here
    /// (config validation, the listing parser), so a header too long is a caller's bug, reported.
    private static func header(_ metadata: MemberMetadata) throws -> [UInt8] {
        guard let header = GzipHeader.encode(metadata) else {
            throw ArchiveError.io("the account id and UIDL of a message are too long for a member header (\(metadata.account.utf8.count) "
                + "and \(metadata.uidl.utf8.count) bytes)")
        }
        return header
    }

    static func trailer(crc: UInt32, size: UInt32) -> [UInt8] {
        [UInt8(crc & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8((crc >> 16) & 0xFF), UInt8(crc >> 24),
         UInt8(size & 0xFF), UInt8((size >> 8) & 0xFF), UInt8((size >> 16) & 0xFF), UInt8(size >> 24)]
    }
}
