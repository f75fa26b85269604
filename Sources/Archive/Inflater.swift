import CISAL

/// Raw inflate of one member's deflate data, with ISA-L (`isal_inflate`). `inflate` reports
/// how much input the deflate data took, which is how a reader finds where a member ends.
///
/// ISA-L reads ahead: at the end of the data, up to eight bytes past it sit in its bit buffer
/// (`read_in`, `read_in_length` bits). The whole bytes among them are handed back (the input
/// taken can then be negative for the call that ends the data, if those bytes came with an
/// earlier call); the rest, fewer than eight bits, are the padding of the last byte.
final class Inflater {
    private let state: UnsafeMutablePointer<inflate_state>
    private var scratch = [UInt8](repeating: 0, count: 256 * 1024)
    private(set) var finished = false
    /// At the end of the data: the padding bits of its last byte.
    private(set) var unusedBitsInLastByte = 0

    init() {
        state = .allocate(capacity: 1)
        isal_inflate_init(state)
    }

    deinit {
        state.deallocate()
    }

    func reset() {
        isal_inflate_reset(state)
        finished = false
        unusedBitsInLastByte = 0
    }

    /// Inflates from `input`, handing output to `consume`. Returns the input bytes the deflate
    /// data took; `finished` becomes true at its end. Throws on corrupt data.
    func inflate(_ input: UnsafeRawBufferPointer, consume: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        guard !finished else { return 0 }
        state.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        state.pointee.avail_in = UInt32(clamping: input.count)
        defer { state.pointee.next_in = nil }
        while true {
            let (status, produced): (Int32, Int) = scratch.withUnsafeMutableBytes { buffer in
                state.pointee.next_out = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self)
                state.pointee.avail_out = UInt32(buffer.count)
                let status = isal_inflate(state)
                return (status, buffer.count - Int(state.pointee.avail_out))
            }
            guard status == ISAL_DECOMP_OK else { throw ArchiveError.corrupt("deflate data is corrupt (ISA-L status \(status))") }
            if produced > 0 { try scratch.withUnsafeBytes { try consume(UnsafeRawBufferPointer(rebasing: $0[0..<produced])) } }
            if state.pointee.block_state == ISAL_BLOCK_FINISH {
                finished = true
                let bits = max(0, Int(state.pointee.read_in_length))
                unusedBitsInLastByte = bits % 8
                return input.count - Int(state.pointee.avail_in) - bits / 8
            }
            // Not at the end: ISA-L stops when the input is used up or the output is full.
            if produced < scratch.count && (state.pointee.avail_in == 0 || produced == 0) {
                return input.count - Int(state.pointee.avail_in)
            }
        }
    }
}
