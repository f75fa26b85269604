#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns the data of a multi-line reply (RFC 1939 §3) into canonical message bytes as they
/// arrive: a leading `.` is removed from each line, CRLF becomes LF, and the reply ends at a
/// line holding only `.`. It holds at most a few bytes between calls, so a message of any size
/// passes through in bounded memory.
///
/// A bare CR that is not followed by LF is kept as it is. The terminator is `.` CRLF at the
/// start of a line; `.` followed by a bare LF ends the reply only for a server that ends its
/// lines with bare LF (`bareLineFeeds`), because a CRLF server that forgot to stuff such a
/// line would otherwise cut the message short.
///
/// **Glued terminators.** Some servers (Exchange 2000 among them) end a message that lacks a
/// final line break with `last line.` CRLF instead of `last line` CRLF `.` CRLF. Given the sizes
/// the server announced for the message (`expectedSizes`: RETR's `+OK n octets`, LIST's), a
/// line that ends in `.` where the octets before that dot are exactly such a size is a
/// *candidate* end: its dot and line end are held back, and the next line decides. A status
/// line (`+OK`, `-ERR`) there is the next reply, so the message ended (`endedGlued`), and the
/// status line is left unread for it; anything else was content, and the held bytes go on.
/// While a candidate waits for that line, `awaitsFollowingReply` is true: the caller makes
/// sure a reply follows (the next pipelined command, or a NOOP). Without a matching size no
/// candidate is made, but a status line right after a line ending in `.` is remembered
/// (`sawStatusLineAfterDotLine`): with another command in flight, that reply may have been
/// swallowed, and the caller must not trust the framing.
public struct MultilineDecoder: Sendable {
    private enum State: Sendable {
        case lineStart, inLine, dotAtLineStart, dotCR, sawCR
        /// In a line, a `.` was the last byte of the input: held back (candidate detection only).
        case heldDot
        /// In a line, `.` CR were the last bytes of the input: held back.
        case heldDotCR
        /// A line ending in `.` closed at an announced size: `.` and the line end are held back.
        case candidate(crlf: Bool)
        /// At the start of the line after one that ended in `.` (candidate detection only).
        case afterDotLine
    }

    private var state: State = .lineStart
    private let bareLineFeeds: Bool
    private let expectedSizes: [Int]
    public private(set) var isFinished = false
    /// Canonical bytes produced so far for this reply.
    public private(set) var producedCount = 0
    /// Lines whose CRLF became LF (with `producedCount`, the octets the server counts).
    private var crlfLines = 0
    /// The reply ended at a glued terminator.
    public private(set) var endedGlued = false
    /// A line beginning `+OK` or `-ERR` came right after a line ending in `.`.
    public private(set) var sawStatusLineAfterDotLine = false

    private var detectsGluedTerminator: Bool { !expectedSizes.isEmpty }

    public init(bareLineFeeds: Bool = false, expectedSizes: [Int] = []) {
        self.bareLineFeeds = bareLineFeeds
        self.expectedSizes = expectedSizes.filter { $0 > 0 }
    }

    /// A candidate end waits for the bytes after it to decide.
    public var awaitsFollowingReply: Bool {
        if case .candidate = state { return !isFinished }
        return false
    }

    /// Decodes from `input`, appending canonical bytes to `output`. Returns how many input bytes
    /// were consumed. Fewer than `input.count` when the reply ended (the rest belongs to the
    /// next reply), or when a candidate end needs more bytes to decide (the caller hands the
    /// rest in again with what arrives next).
    public mutating func decode(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Int {
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
                    emit(UInt8(ascii: "\n"), into: &output)
                    state = .lineStart
                } else {
                    state = .inLine  // the stuffing dot is dropped; the byte is line content
                }
            case .dotCR:
                if base[i] == UInt8(ascii: "\n") {
                    isFinished = true
                    return i + 1
                }
                emit(UInt8(ascii: "\r"), into: &output)
                state = .inLine
            case .sawCR:
                if base[i] == UInt8(ascii: "\n") {
                    emit(UInt8(ascii: "\n"), into: &output)
                    crlfLines += 1
                    i += 1
                    state = .lineStart
                } else {
                    emit(UInt8(ascii: "\r"), into: &output)
                    state = .inLine
                }
            case .heldDot:
                let byte = base[i]
                if byte == UInt8(ascii: "\n") {
                    i += 1
                    endLineAfterDot(crlf: false, into: &output)
                } else if byte == UInt8(ascii: "\r") {
                    i += 1
                    state = .heldDotCR
                } else {
                    emit(UInt8(ascii: "."), into: &output)
                    state = .inLine
                }
            case .heldDotCR:
                if base[i] == UInt8(ascii: "\n") {
                    i += 1
                    endLineAfterDot(crlf: true, into: &output)
                } else {
                    emit(UInt8(ascii: "."), into: &output)
                    emit(UInt8(ascii: "\r"), into: &output)
                    state = .inLine
                }
            case .candidate(let crlf):
                switch Self.statusLinePrefix(UnsafeBufferPointer(start: base + i, count: count - i)) {
                case .some(true):
                    emit(UInt8(ascii: "\n"), into: &output)  // the line end the message lacked
                    isFinished = true
                    endedGlued = true
                    return i
                case .some(false):
                    emit(UInt8(ascii: "."), into: &output)
                    emit(UInt8(ascii: "\n"), into: &output)
                    if crlf { crlfLines += 1 }
                    state = .lineStart
                case nil:
                    return i
                }
            case .afterDotLine:
                guard let isStatusLine = Self.statusLinePrefix(UnsafeBufferPointer(start: base + i, count: count - i)) else { return i }
                if isStatusLine { sawStatusLineAfterDotLine = true }
                state = .lineStart
            case .inLine:
                i = copyLines(base, from: i, count: count, into: &output)
            }
        }
        return count
    }

    private mutating func emit(_ byte: UInt8, into output: inout [UInt8]) {
        output.append(byte)
        producedCount += 1
    }

    /// A line whose last content byte, a `.`, was held back has ended: a candidate end if the
    /// octets before the dot are an announced size; otherwise the dot and the line end go out.
    private mutating func endLineAfterDot(crlf: Bool, into output: inout [UInt8]) {
        if isAnnouncedSize(octetsBeforeDot: producedCount) {
            state = .candidate(crlf: crlf)
            return
        }
        emit(UInt8(ascii: "."), into: &output)
        emit(UInt8(ascii: "\n"), into: &output)
        if crlf { crlfLines += 1 }
        state = .afterDotLine
    }

    /// Whether `canonical` bytes before a dot (plus a CR for each CRLF line end so far, as most
    /// servers count) make one of the sizes the server announced.
    private func isAnnouncedSize(octetsBeforeDot canonical: Int) -> Bool {
        detectsGluedTerminator && (expectedSizes.contains(canonical + crlfLines) || expectedSizes.contains(canonical))
    }

    /// Whether `bytes` begin a status line: true for `+OK` or `-ERR` (in any case), false for
    /// anything else, nil while too few bytes have come to tell.
    static func statusLinePrefix(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        guard let first = bytes.first else { return nil }
        let word: [UInt8]
        switch first {
        case UInt8(ascii: "+"): word = Array("+OK".utf8)
        case UInt8(ascii: "-"): word = Array("-ERR".utf8)
        default: return false
        }
        for (index, expected) in word.enumerated() {
            guard index < bytes.count else { return nil }
            if bytes[index] | (index > 0 ? 0x20 : 0) != expected | (index > 0 ? 0x20 : 0) { return false }
        }
        return true
    }

    /// The hot path: copies whole lines at a time (`memchr` finds each line end, `memcpy` moves
    /// the line), turning CRLF into LF, until the input ends or a line starts with `.` (left to
    /// the state machine). A CR that ends the input is held back, and with candidate detection a
    /// `.` or `.` CR too. A line ending in `.` at an announced size stops the copy as a candidate.
    /// Writes straight into `output`'s storage, grown first by a bulk copy of the input.
    private mutating func copyLines(_ base: UnsafePointer<UInt8>, from start: Int, count: Int,
                                    into output: inout [UInt8]) -> Int {
        let before = output.count
        let producedBefore = producedCount
        output.append(contentsOf: UnsafeBufferPointer(start: base + start, count: count - start))
        var written = 0
        var i = start
        var nextState: State = .inLine
        let detecting = detectsGluedTerminator
        output.withUnsafeMutableBufferPointer { buffer in
            guard let out = buffer.baseAddress.map({ $0 + before }) else { return }
            var atLineStart = false
            while i < count {
                if atLineStart && base[i] == UInt8(ascii: ".") {
                    nextState = .lineStart
                    return
                }
                guard let found = memchr(base + i, Int32(UInt8(ascii: "\n")), count - i) else {
                    var end = count
                    nextState = .inLine
                    if base[end - 1] == UInt8(ascii: "\r") {
                        end -= 1
                        nextState = .sawCR
                        if detecting && end > i && base[end - 1] == UInt8(ascii: ".") {
                            end -= 1
                            nextState = .heldDotCR
                        }
                    } else if detecting && base[end - 1] == UInt8(ascii: ".") {
                        end -= 1
                        nextState = .heldDot
                    }
                    memcpy(out + written, base + i, end - i)
                    written += end - i
                    i = count
                    return
                }
                let newline = UnsafePointer<UInt8>(found.assumingMemoryBound(to: UInt8.self)) - base
                let crlf = newline > i && base[newline - 1] == UInt8(ascii: "\r")
                let contentEnd = crlf ? newline - 1 : newline
                let endsInDot = contentEnd > i && base[contentEnd - 1] == UInt8(ascii: ".")
                if detecting && endsInDot && isAnnouncedSize(octetsBeforeDot: producedBefore + written + (contentEnd - 1 - i)) {
                    memcpy(out + written, base + i, contentEnd - 1 - i)
                    written += contentEnd - 1 - i
                    i = newline + 1
                    nextState = .candidate(crlf: crlf)
                    return
                }
                memcpy(out + written, base + i, contentEnd - i)
                written += contentEnd - i
                out[written] = UInt8(ascii: "\n")
                written += 1
                if crlf { crlfLines += 1 }
                i = newline + 1
                atLineStart = true
                nextState = .lineStart
                if detecting && endsInDot {
                    // The next line is looked at by the state machine, which can wait for its first bytes.
                    nextState = .afterDotLine
                    return
                }
            }
        }
        state = nextState
        producedCount += written
        output.removeLast(count - start - written)
        return i
    }
}
