#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns the data of a multi-line reply (RFC 1939 §3) into canonical message bytes as they
/// arrive: a leading `.` is removed from each line, CRLF becomes LF, and the reply ends at a
/// line holding only `.`. It keeps no more than one pending byte between calls, so a message
/// of any size passes through in bounded memory.
///
/// A bare CR that is not followed by LF is kept as it is. The terminator is `.` CRLF at the
/// start of a line; `.` followed by a bare LF ends the reply only for a server that ends its
/// lines with bare LF (`bareLineFeeds`), because a CRLF server that forgot to stuff such a
/// line would otherwise cut the message short.
public struct MultilineDecoder: Sendable {
    private enum State: Sendable { case lineStart, inLine, dotAtLineStart, dotCR, sawCR }

    private var state: State = .lineStart
    private let bareLineFeeds: Bool
    public private(set) var isFinished = false
    /// Canonical bytes produced so far for this reply.
    public private(set) var producedCount = 0

    public init(bareLineFeeds: Bool = false) {
        self.bareLineFeeds = bareLineFeeds
    }

    /// Decodes from `input`, appending canonical bytes to `output`. Returns how many input bytes
    /// were consumed; fewer than `input.count` only when the terminator was reached, in which case
    /// the rest belongs to the next reply.
    public mutating func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Int {
        let before = output.count
        defer { producedCount += output.count - before }
        guard let base = input.baseAddress?.assumingMemoryBound(to: UInt8.self), !isFinished else { return 0 }
        let count = input.count
        var i = 0
        while i < count {
            switch state {
            case .lineStart:
                if base[i] == UInt8(ascii: ".") {
                    state = .dotAtLineStart
                    i += 1
                } else {
                    state = .inLine
                }
            case .dotAtLineStart:
                let byte = base[i]
                if byte == UInt8(ascii: "\r") {
                    state = .dotCR
                    i += 1
                } else if byte == UInt8(ascii: "\n") {
                    i += 1
                    if bareLineFeeds {
                        isFinished = true
                        return i
                    }
                    output.append(UInt8(ascii: "\n"))
                    state = .lineStart
                } else {
                    state = .inLine  // the stuffing dot is dropped; the byte is line content
                }
            case .dotCR:
                if base[i] == UInt8(ascii: "\n") {
                    isFinished = true
                    return i + 1
                }
                output.append(UInt8(ascii: "\r"))
                state = .inLine
            case .sawCR:
                if base[i] == UInt8(ascii: "\n") {
                    output.append(UInt8(ascii: "\n"))
                    i += 1
                    state = .lineStart
                } else {
                    output.append(UInt8(ascii: "\r"))
                    state = .inLine
                }
            case .inLine:
                i = copyLines(base, from: i, count: count, into: &output)
            }
        }
        return count
    }

    /// The hot path: copies whole lines at a time (`memchr` finds each line end, `memcpy` moves
    /// the line), turning CRLF into LF, until the input ends or a line starts with `.` (left to
    /// the state machine). A CR that ends the input is held back as pending. Writes straight into
    /// `output`'s storage, which is first grown by a bulk copy of the input (fast in debug builds
    /// too, unlike growing it element by element) and then cut to what was produced.
    private mutating func copyLines(_ base: UnsafePointer<UInt8>, from start: Int, count: Int,
                                    into output: inout [UInt8]) -> Int {
        let before = output.count
        output.append(contentsOf: UnsafeBufferPointer(start: base + start, count: count - start))
        var written = 0
        var i = start
        var lineStart = false
        var pendingCR = false
        output.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress.map({ $0 + before }) else { return }
            while i < count {
                if lineStart && base[i] == UInt8(ascii: ".") { break }
                guard let found = memchr(base + i, Int32(UInt8(ascii: "\n")), count - i) else {
                    pendingCR = base[count - 1] == UInt8(ascii: "\r")
                    let end = pendingCR ? count - 1 : count
                    memcpy(out + written, base + i, end - i)
                    written += end - i
                    i = count
                    lineStart = false
                    break
                }
                let newline = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
                let contentEnd = newline > i && base[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline
                memcpy(out + written, base + i, contentEnd - i)
                written += contentEnd - i
                out[written] = UInt8(ascii: "\n")
                written += 1
                i = newline + 1
                lineStart = true
            }
        }
        state = pendingCR ? .sawCR : (lineStart ? .lineStart : .inLine)
        output.removeLast(count - start - written)
        return i
    }
}
