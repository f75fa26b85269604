import Foundation

/// mboxrd quoting (a `From ` line preceded by any number of `>` gains one more `>`), done as
/// the bytes stream past, so a message of any size is quoted in bounded memory.
public struct MboxrdQuoter: Sendable {
    private var atLineStart = true
    /// Bytes held back at a line start while they could still become `>*From `.
    private var held: [UInt8] = []
    private static let from = Array("From ".utf8)

    public init() {}

    /// How many leading bytes of `input` need no quoting and can be used as they are: everything
    /// up to the last LF, when nothing is held and no line in it begins `>*From ` (the common
    /// case: base64 and most text). The quoter's state moves past them.
    public mutating func passThroughLength(_ input: UnsafeRawBufferPointer) -> Int {
        guard held.isEmpty, let base = input.baseAddress, input.count > 0 else { return 0 }
        var lastNewline = input.count - 1
        while lastNewline >= 0 && input[lastNewline] != 10 { lastNewline -= 1 }
        guard lastNewline >= 0 else { return 0 }
        let length = lastNewline + 1
        if Self.hasQuotableLine(base.assumingMemoryBound(to: UInt8.self), length: length, startingAtLineStart: atLineStart) {
            return 0
        }
        atLineStart = true
        return length
    }

    /// Whether a line in the first `length` bytes begins `>*From `: the line at the first byte
    /// (if that is a line start) or one after an LF. Compares 32 bytes at a time for an LF
    /// followed by `F` or `>` and looks closer only there: a memchr for every `F` cost a call
    /// per 64 bytes of base64.
    static func hasQuotableLine(_ bytes: UnsafePointer<UInt8>, length: Int, startingAtLineStart: Bool) -> Bool {
        if startingAtLineStart && lineIsQuotable(bytes, from: 0, length: length) { return true }
        let lineFeeds = SIMD32<UInt8>(repeating: 10)
        let capitalF = SIMD32<UInt8>(repeating: UInt8(ascii: "F"))
        let greaterThan = SIMD32<UInt8>(repeating: UInt8(ascii: ">"))
        let raw = UnsafeRawPointer(bytes)
        var index = 0
        while index + 33 <= length {
            let here = raw.loadUnaligned(fromByteOffset: index, as: SIMD32<UInt8>.self)
            let next = raw.loadUnaligned(fromByteOffset: index + 1, as: SIMD32<UInt8>.self)
            let candidates = (here .== lineFeeds) .& ((next .== capitalF) .| (next .== greaterThan))
            if Self.anyLaneIsSet(candidates) {
                for lane in 0..<32 where candidates[lane] && lineIsQuotable(bytes, from: index + lane + 1, length: length) {
                    return true
                }
            }
            index += 32
        }
        while index + 1 < length {
            if bytes[index] == 10 && lineIsQuotable(bytes, from: index + 1, length: length) { return true }
            index += 1
        }
        return false
    }

    /// Whether any lane of `mask` is set, from its 32 bytes read as four words. The standard
    /// `any(_:)` is a call here, which finds the lanes' minimum in five SSE2 steps (SSE2 is all a
    /// release build may assume): 5% of a first backup's CPU (`perf record`, 10,000 messages).
    @inline(__always)
    private static func anyLaneIsSet(_ mask: SIMDMask<SIMD32<Int8>>) -> Bool {
        let words = unsafeBitCast(mask, to: SIMD4<UInt64>.self)
        return words[0] | words[1] | words[2] | words[3] != 0
    }

    /// Whether the line starting at `start` begins `>*From ` within the first `length` bytes.
    private static func lineIsQuotable(_ bytes: UnsafePointer<UInt8>, from start: Int, length: Int) -> Bool {
        var index = start
        while index < length && bytes[index] == UInt8(ascii: ">") { index += 1 }
        guard index + from.count <= length else { return false }
        for (offset, byte) in from.enumerated() where bytes[index + offset] != byte { return false }
        return true
    }

    public mutating func quote(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        var index = 0
        let count = input.count
        while index < count {
            if !atLineStart && held.isEmpty {
                (index, atLineStart) = copyRestOfLine(input, from: index, into: &output)
                continue
            }
            let byte = input[index]
            index += 1
            held.append(byte)
            if let decision = decide() {
                if decision { output.append(UInt8(ascii: ">")) }
                output.append(contentsOf: held)
                atLineStart = held.last == 10
                held.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Writes out anything still held (at the end of a message).
    public mutating func finish(into output: inout [UInt8]) {
        output.append(contentsOf: held)
        held.removeAll()
        atLineStart = true
    }

    /// nil: undecided; true: the held bytes begin a `>*From ` line; false: they do not.
    private func decide() -> Bool? {
        var i = 0
        while i < held.count && held[i] == UInt8(ascii: ">") { i += 1 }
        let rest = held[i...]
        if rest.count >= Self.from.count { return Array(rest.prefix(Self.from.count)) == Self.from }
        return Self.from.starts(with: rest) ? nil : false
    }
}

/// The reverse of `MboxrdQuoter`: a line `>+From ` loses one `>`.
public struct MboxrdUnquoter: Sendable {
    private var atLineStart = true
    private var held: [UInt8] = []
    private static let from = Array("From ".utf8)

    public init() {}

    public mutating func unquote(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        var index = 0
        let count = input.count
        while index < count {
            if !atLineStart && held.isEmpty {
                (index, atLineStart) = copyRestOfLine(input, from: index, into: &output)
                continue
            }
            let byte = input[index]
            index += 1
            if held.isEmpty && byte != UInt8(ascii: ">") {
                output.append(byte)
                atLineStart = byte == 10
                continue
            }
            held.append(byte)
            var i = 0
            while i < held.count && held[i] == UInt8(ascii: ">") { i += 1 }
            let rest = held[i...]
            if rest.count >= Self.from.count || !Self.from.starts(with: rest) {
                let quoted = rest.count >= Self.from.count && Array(rest.prefix(Self.from.count)) == Self.from
                output.append(contentsOf: quoted ? held.dropFirst() : held[...])
                atLineStart = held.last == 10
                held.removeAll(keepingCapacity: true)
            }
        }
    }

    public mutating func finish(into output: inout [UInt8]) {
        output.append(contentsOf: held)
        held.removeAll()
        atLineStart = true
    }
}

/// Copies from `start` up to and including the next LF (or to the end of the input) in one go.
/// Returns where copying stopped and whether it stopped at a line start.
private func copyRestOfLine(_ input: UnsafeRawBufferPointer, from start: Int, into output: inout [UInt8]) -> (Int, Bool) {
    guard let base = input.baseAddress,
          let found = memchr(base + start, Int32(UInt8(ascii: "\n")), input.count - start) else {
        output.append(contentsOf: input[start...])
        return (input.count, false)
    }
    let end = UnsafeRawPointer(found) - base
    output.append(contentsOf: input[start...end])
    return (end + 1, true)
}
