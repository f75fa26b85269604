import Foundation

/// mboxrd quoting (a `From ` line preceded by any number of `>` gains one more `>`), done as
/// the bytes stream past, in constant memory and linear time whatever the input: the `>` at
/// a line start are passed on as they come (they are all alike, so the one quoting adds can go
/// in front of `From ` once it is seen), and only up to five bytes of `From ` are held.
public struct MboxrdQuoter: Sendable {
    private var line = LineStart()

    public init() {}

    /// How many leading bytes of `input` need no quoting and can be used as they are: everything
    /// up to the last LF, when no line start is undecided and no line in it begins `>*From `
    /// (the common case: base64 and most text). The quoter's state moves past them.
    public mutating func passThroughLength(_ input: UnsafeRawBufferPointer) -> Int {
        guard line.isNeutral, let base = input.baseAddress, input.count > 0 else { return 0 }
        var lastNewline = input.count - 1
        while lastNewline >= 0 && input[lastNewline] != 10 { lastNewline -= 1 }
        guard lastNewline >= 0 else { return 0 }
        let length = lastNewline + 1
        if QuotableLines.any(base.assumingMemoryBound(to: UInt8.self), length: length, startingAtLineStart: line.atLineStart) {
            return 0
        }
        line.atLineStart = true
        return length
    }

    public mutating func quote(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        line.process(input, into: &output, mode: .quote)
    }

    /// Writes out anything still held (at the end of a message).
    public mutating func finish(into output: inout [UInt8]) {
        line.flush(into: &output)
    }
}

/// The reverse of `MboxrdQuoter`: a line `>+From ` loses one `>`. The first `>` of a line is
/// held until the line is known; the others pass as they come.
public struct MboxrdUnquoter: Sendable {
    private var line = LineStart()

    public init() {}

    public mutating func unquote(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        line.process(input, into: &output, mode: .unquote)
    }

    public mutating func finish(into output: inout [UInt8]) {
        line.flush(into: &output)
    }
}

/// The state at the start of a line that might be `>*From `: whether the line is still in its
/// leading `>` run, how many bytes of `From ` matched after it, and (unquoting) whether its
/// first `>` is held back. Nothing else is held, so memory and time per byte are constant.
struct LineStart: Sendable {
    enum Mode { case quote, unquote }

    private static let from = Array("From ".utf8)

    var atLineStart = true
    private var inGreaterThanRun = false
    private var matched = 0
    private var heldGreaterThan = false

    /// Nothing is held and no line start is in doubt.
    var isNeutral: Bool { !inGreaterThanRun && matched == 0 && !heldGreaterThan }

    mutating func process(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], mode: Mode) {
        var index = 0
        let count = input.count
        while index < count {
            if !atLineStart && isNeutral {
                (index, atLineStart) = copyRestOfLine(input, from: index, into: &output)
                continue
            }
            let byte = input[index]
            index += 1
            if atLineStart && matched == 0 && byte == UInt8(ascii: ">") {
                if mode == .unquote && !heldGreaterThan {
                    heldGreaterThan = true
                } else {
                    output.append(byte)
                }
                inGreaterThanRun = true
                continue
            }
            atLineStart = false
            if byte == Self.from[matched] {
                matched += 1
                if matched == Self.from.count {
                    // Quoting adds a `>`; unquoting drops the one it held (a line `From ` without
                    // any `>` is left as it is).
                    if mode == .quote { output.append(UInt8(ascii: ">")) }
                    output.append(contentsOf: Self.from)
                    reset()
                }
                continue
            }
            if heldGreaterThan { output.append(UInt8(ascii: ">")) }
            output.append(contentsOf: Self.from[0..<matched])
            output.append(byte)
            reset()
            atLineStart = byte == 10
        }
    }

    /// Writes what is held (the end of a message in the middle of a line start).
    mutating func flush(into output: inout [UInt8]) {
        if heldGreaterThan { output.append(UInt8(ascii: ">")) }
        output.append(contentsOf: Self.from[0..<matched])
        reset()
        atLineStart = true
    }

    private mutating func reset() {
        inGreaterThanRun = false
        matched = 0
        heldGreaterThan = false
    }
}

/// The line that starts each mbox entry: `From MAILER-DAEMON Thu Sep  4 10:00:00 2025` and LF,
/// with `time` (Unix seconds) in UTC.
public enum MboxSeparator {
    public static func line(time: Int) -> String {
        var seconds = time_t(time)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a %b %e %H:%M:%S %Y", &parts)
        let date = String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "From MAILER-DAEMON \(date)\n"
    }
}

/// Finds whether any line of a block begins `>*From `, 32 bytes at a time: it compares for an
/// LF followed by `F` or `>` and looks closer only there.
enum QuotableLines {
    private static let from = Array("From ".utf8)

    static func any(_ bytes: UnsafePointer<UInt8>, length: Int, startingAtLineStart: Bool) -> Bool {
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
            if anyLaneIsSet(candidates) {
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

    /// Whether any lane of `mask` is set, from its 32 bytes read as four words (the standard
    /// `any(_:)` is an out-of-line call here, in the hottest loop of a backup).
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
