import CISAL

/// Raw deflate with ISA-L's igzip (no gzip wrapper: popvault writes each member's header and
/// trailer itself, to control the FEXTRA field). Streaming, so a message of any size passes in
/// bounded memory. igzip's levels are 1 (fastest, the default) to 3; the output is a standard
/// deflate stream that zlib, `gzip -d` and `zcat` read. The stream lives at a fixed address.
final class Deflater {
    static let levels: ClosedRange<Int32> = 1...3

    private let stream: UnsafeMutablePointer<isal_zstream>
    private let levelBuffer: UnsafeMutableRawBufferPointer
    private var scratch = [UInt8](repeating: 0, count: 128 * 1024)
    private let level: Int32

    init(level: Int32) throws(ArchiveError) {
        guard Self.levels.contains(level) else {
            throw .io("compression level \(level) is not one of igzip's levels \(Self.levels.lowerBound)–\(Self.levels.upperBound)")
        }
        self.level = level
        stream = .allocate(capacity: 1)
        stream.initialize(to: isal_zstream())
        levelBuffer = .allocate(byteCount: Int(popvault_isal_level_buffer_size(UInt32(level))), alignment: 64)
        reset()
    }

    deinit {
        stream.deallocate()
        levelBuffer.deallocate()
    }

    /// Ready for the next member.
    func reset() {
        isal_deflate_init(stream)
        stream.pointee.level = UInt32(level)
        stream.pointee.level_buf = levelBuffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.level_buf_size = UInt32(levelBuffer.count)
        stream.pointee.gzip_flag = UInt16(IGZIP_DEFLATE)
        stream.pointee.flush = UInt16(NO_FLUSH)
    }

    /// Compresses `input` and appends the output to `output`; with `finish`, ends the deflate stream.
    func compress(_ input: UnsafeRawBufferPointer, finish: Bool, into output: inout [UInt8]) throws(ArchiveError) {
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(input.count)
        stream.pointee.end_of_stream = finish ? 1 : 0
        defer { stream.pointee.next_in = nil }
        while true {
            let (status, produced): (Int32, Int) = scratch.withUnsafeMutableBytes { buffer in
                stream.pointee.next_out = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.pointee.avail_out = UInt32(buffer.count)
                let status = isal_deflate(stream)
                return (status, buffer.count - Int(stream.pointee.avail_out))
            }
            guard status == COMP_OK else { throw .io("igzip deflate failed (status \(status))") }
            output.append(contentsOf: scratch[0..<produced])
            if finish {
                if stream.pointee.internal_state.state == ZSTATE_END { break }
            } else if stream.pointee.avail_in == 0 && stream.pointee.avail_out != 0 {
                break
            }
        }
    }
}

/// The gzip trailer's CRC-32 (IEEE, reflected), with igzip's vectorised implementation.
enum CRC32 {
    static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return crc32_gzip_refl(crc, base.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }
}
