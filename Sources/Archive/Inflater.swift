import CZlib

/// Raw inflate of one member's deflate data. `inflate` reports how much input it consumed,
/// which is how a reader finds where a member ends.
final class Inflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var scratch = [UInt8](repeating: 0, count: 256 * 1024)
    private(set) var finished = false

    init() throws(ArchiveError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = inflateInit2_(stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw .io("cannot initialise zlib inflate (status \(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    func reset() {
        inflateReset(stream)
        finished = false
    }

    /// After the end of the stream: how many high bits of the last byte read were padding.
    var unusedBitsInLastByte: Int { Int(stream.pointee.data_type & 7) }

    /// Inflates from `input`, handing output to `consume`. Returns the input bytes consumed;
    /// `finished` becomes true at the end of the deflate stream. Throws on corrupt data.
    func inflate(_ input: UnsafeRawBufferPointer, consume: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer { stream.pointee.next_in = nil }
        while !finished {
            let (status, produced): (Int32, Int) = scratch.withUnsafeMutableBytes { buffer in
                stream.pointee.next_out = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(buffer.count)
                let status = CZlib.inflate(stream, Z_NO_FLUSH)
                return (status, buffer.count - Int(stream.pointee.avail_out))
            }
            if produced > 0 { try scratch.withUnsafeBytes { try consume(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            switch status {
            case Z_STREAM_END: finished = true
            case Z_OK: if stream.pointee.avail_in == 0 && produced < scratch.count { return input.count }
            case Z_BUF_ERROR: return input.count - Int(stream.pointee.avail_in)
            default: throw ArchiveError.corrupt("deflate data is corrupt (zlib status \(status))")
            }
        }
        return input.count - Int(stream.pointee.avail_in)
    }
}
