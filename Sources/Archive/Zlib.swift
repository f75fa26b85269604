import CZlib

/// Raw deflate (no zlib or gzip wrapper: popvault writes the gzip header and trailer itself,
/// to control the FEXTRA field). The `z_stream` lives at a fixed address, as zlib requires.
final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>
    private var scratch = [UInt8](repeating: 0, count: 128 * 1024)
    private let level: Int32
    private var huffmanOnly = false

    init(level: Int32) throws(ArchiveError) {
        self.level = level
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = deflateInit2_(stream, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            throw .io("cannot initialise zlib deflate (status \(status))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// Compresses `input` and appends the output to `output`; with `finish`, ends the deflate stream.
    func compress(_ input: UnsafeRawBufferPointer, finish: Bool, into output: inout [UInt8]) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        let flush = finish ? Z_FINISH : Z_NO_FLUSH
        while true {
            let (status, produced): (Int32, Int) = scratch.withUnsafeMutableBytes { buffer in
                stream.pointee.next_out = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(buffer.count)
                let status = deflate(stream, flush)
                return (status, buffer.count - Int(stream.pointee.avail_out))
            }
            output.append(contentsOf: scratch[0..<produced])
            if finish {
                if status == Z_STREAM_END { break }
            } else if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 {
                break
            }
        }
        stream.pointee.next_in = nil
    }

    /// Ready for the next member.
    func reset() {
        deflateReset(stream)
        if huffmanOnly { setHuffmanOnly(false, into: nil) }
    }

    /// Switches between LZ77 + Huffman (text) and Huffman coding alone (base64 attachments, where
    /// LZ77 finds almost nothing and costs most of the time). The stream stays one standard
    /// deflate stream; zlib ends the current block at the switch.
    func setHuffmanOnly(_ on: Bool, into output: UnsafeMutablePointer<[UInt8]>?) {
        guard on != huffmanOnly else { return }
        huffmanOnly = on
        let strategy = on ? Z_HUFFMAN_ONLY : Z_DEFAULT_STRATEGY
        while true {
            let (status, produced): (Int32, Int) = scratch.withUnsafeMutableBytes { buffer in
                stream.pointee.next_out = buffer.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(buffer.count)
                let status = deflateParams(stream, level, strategy)
                return (status, buffer.count - Int(stream.pointee.avail_out))
            }
            output?.pointee.append(contentsOf: scratch[0..<produced])
            if status != Z_BUF_ERROR || produced == 0 { break }
        }
    }
}

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

enum CRC32 {
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return UInt32(CZlib.crc32(uLong(crc), base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
    }
}
