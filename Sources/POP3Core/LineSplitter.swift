/// How much of a listing (UIDL, LIST, CAPA) a client takes: lines, their length and the bytes
/// in all. A server listing more is refused: a client must not let a server fill its memory.
public struct ListingLimits: Sendable {
    public var lines: Int
    public var lineLength: Int
    public var bytes: Int

    public init(lines: Int, lineLength: Int, bytes: Int) {
        (self.lines, self.lineLength, self.bytes) = (lines, lineLength, bytes)
    }

    /// A mailbox of up to a million messages, UIDL lines of up to 1 KiB, 128 MiB in all.
    public static let listing = ListingLimits(lines: 1_000_000, lineLength: 1024, bytes: 128 << 20)
}

/// Splits the decoded data of a multi-line reply into lines, within `ListingLimits`. A line
/// within one piece is passed in place; only one split across pieces is assembled. Once a limit
/// is passed nothing more is passed on, and `failure` says which.
public struct LineSplitter {
    public let limits: ListingLimits
    private var partial: [UInt8] = []
    private var lines = 0
    private var bytes = 0
    public private(set) var failure: String?

    public init(limits: ListingLimits) { self.limits = limits }

    public mutating func add(_ piece: UnsafeRawBufferPointer, to body: (UnsafeRawBufferPointer) -> Void) {
        guard failure == nil else { return }
        bytes += piece.count
        if bytes > limits.bytes {
            failure = "is longer than \(limits.bytes) bytes"
            return
        }
        var start = 0
        while failure == nil, start < piece.count {
            let rest = UnsafeRawBufferPointer(rebasing: piece[start...])
            guard let newline = rest.firstIndex(of: UInt8(ascii: "\n")) else {
                partial.append(contentsOf: rest)
                if partial.count > limits.lineLength { failure = "has a line longer than \(limits.lineLength) bytes" }
                return
            }
            let line = UnsafeRawBufferPointer(rebasing: rest[..<newline])
            if partial.isEmpty {
                deliver(line, to: body)
            } else {
                partial.append(contentsOf: line)
                partial.withUnsafeBytes { deliver($0, to: body) }
                partial.removeAll(keepingCapacity: true)
            }
            start += newline + 1
        }
    }

    /// Passes a last line that had no line end.
    public mutating func finish(to body: (UnsafeRawBufferPointer) -> Void) {
        guard failure == nil, !partial.isEmpty else { return }
        partial.withUnsafeBytes { deliver($0, to: body) }
        partial.removeAll()
    }

    private mutating func deliver(_ line: UnsafeRawBufferPointer, to body: (UnsafeRawBufferPointer) -> Void) {
        guard line.count <= limits.lineLength else {
            failure = "has a line longer than \(limits.lineLength) bytes"
            return
        }
        lines += 1
        guard lines <= limits.lines else {
            failure = "has more than \(limits.lines) lines"
            return
        }
        body(line)
    }
}
