/// One line of a UIDL listing: a message number of this session and its unique id.
public struct UIDLEntry: Sendable, Equatable {
    public let number: Int
    public let uidl: String

    public init(number: Int, uidl: String) {
        self.number = number
        self.uidl = uidl
    }
}

/// A UIDL line the client would not accept, kept so that the message can be reported as skipped.
public struct RejectedListingLine: Sendable, Equatable {
    public let line: String
    public let reason: String

    public init(line: String, reason: String) {
        self.line = line
        self.reason = reason
    }
}

/// A parsed UIDL listing. Problems are scoped to their line: a bad line skips one message,
/// never the whole account (getmail6#277).
///
/// The ids are packed into one byte array, end to end, instead of one `String` each: a mailbox
/// lists tens of thousands of them, and a run with nothing new only compares them with the
/// index (`FetchPlanner`), so none needs to become a string. `entries` builds the strings for
/// whoever wants them.
public struct UIDLListing: Sendable, Equatable {
    /// The message number of each entry, in the order listed.
    public private(set) var numbers: [Int] = []
    /// The UTF-8 bytes of every id, end to end; entry `i` ends at `uidlEnds[i]`.
    private var uidlBytes: [UInt8] = []
    private var uidlEnds: [Int] = []
    public var rejected: [RejectedListingLine] = []
    /// UIDLs longer than RFC 1939's 70 characters that we accepted anyway.
    public var overlongAccepted = 0

    public init() {}

    public var count: Int { numbers.count }

    /// The entries with their ids as strings. Setting it replaces them (tests, tools).
    public var entries: [UIDLEntry] {
        get { numbers.indices.map { UIDLEntry(number: numbers[$0], uidl: uidl(at: $0)) } }
        set {
            (numbers, uidlBytes, uidlEnds) = ([], [], [])
            for entry in newValue { Array(entry.uidl.utf8).withUnsafeBytes { append(number: entry.number, uidl: $0) } }
        }
    }

    public func uidl(at index: Int) -> String {
        withUIDLs { bytes, ends in String(decoding: Self.slice(bytes, ends, index), as: UTF8.self) }
    }

    /// The packed ids for a pass over all of them: the bytes, and where each entry ends.
    public func withUIDLs<Result>(_ body: (UnsafeRawBufferPointer, UnsafeBufferPointer<Int>) throws -> Result) rethrows -> Result {
        try uidlBytes.withUnsafeBytes { bytes in try uidlEnds.withUnsafeBufferPointer { ends in try body(bytes, ends) } }
    }

    /// Entry `index` of packed ids handed out by `withUIDLs`.
    public static func slice(_ bytes: UnsafeRawBufferPointer, _ ends: UnsafeBufferPointer<Int>, _ index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[(index == 0 ? 0 : ends[index - 1])..<ends[index]])
    }

    /// Adds an entry. The id is stored as `String(decoding:as:)` would spell it, so an id with
    /// bytes that are not UTF-8 compares with the index (which holds strings) as it did as a string.
    mutating func append(number: Int, uidl: UnsafeRawBufferPointer) {
        numbers.append(number)
        if uidl.allSatisfy({ $0 < 0x80 }) {
            uidlBytes.append(contentsOf: uidl)
        } else {
            uidlBytes.append(contentsOf: String(decoding: uidl, as: UTF8.self).utf8)
        }
        uidlEnds.append(uidlBytes.count)
    }
}

public enum ListingParser {
    /// RFC 1939 allows 1–70 characters in 0x21–0x7E. Real servers send longer ids (Fastmail),
    /// spaces and 8-bit bytes (mpop accepts them); we accept up to this cap and reject control
    /// characters, which no sane id contains (and which would corrupt logs and file names).
    public static let maximumUIDLLength = 512
    public static let rfcUIDLLength = 70

    public enum UIDLCheck: Equatable, Sendable { case valid, overlong, invalid(String) }

    public static func check(uidl: String) -> UIDLCheck {
        Array(uidl.utf8).withUnsafeBytes { check(uidlBytes: $0) }
    }

    static func check(uidlBytes bytes: UnsafeRawBufferPointer) -> UIDLCheck {
        if bytes.isEmpty { return .invalid("empty unique id") }
        if bytes.count > maximumUIDLLength {
            return .invalid("unique id of \(bytes.count) bytes exceeds the \(maximumUIDLLength)-byte limit")
        }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return .invalid("unique id contains control characters") }
        return bytes.count > rfcUIDLLength ? .overlong : .valid
    }

    /// Parses the data lines of `LIST`: message number → size in octets. Sizes are hints only.
    public static func parseList(lines: [[UInt8]]) -> [Int: Int] {
        var sizes: [Int: Int] = [:]
        sizes.reserveCapacity(lines.count)
        for line in lines {
            line.withUnsafeBytes { bytes in
                guard let (number, rest) = splitNumber(bytes), let (size, _) = leadingNumber(rest), size >= 0 else { return }
                sizes[number] = size
            }
        }
        return sizes
    }

    /// Parses a `STAT` reply text: `count size`.
    public static func parseStat(_ text: String) throws(POP3Error) -> (count: Int, size: Int) {
        let words = text.split(separator: " ")
        guard words.count >= 2, let count = Int(words[0]), let size = Int(words[1]), count >= 0, size >= 0 else {
            throw .protocolViolation("STAT reply is not \"count size\": \(printable(text, limit: 80))")
        }
        return (count, size)
    }

    /// The size in RETR's `+OK n octets` (RFC 1939's example, and what Dovecot, Courier and
    /// Cyrus send); nil for any other text.
    public static func octets(inRETRReply text: String) -> Int? {
        let words = text.split(separator: " ", maxSplits: 2)
        guard words.count >= 2, words[1].lowercased().hasPrefix("octet"),
              words[0].utf8.count <= 18, words[0].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(words[0])
    }

    /// A positive number, spaces, and the non-empty rest of the line.
    static func splitNumber(_ line: UnsafeRawBufferPointer) -> (Int, UnsafeRawBufferPointer)? {
        let trimmed = line.dropSpaces()
        guard let (number, rest) = leadingNumber(trimmed), number > 0, rest.first == UInt8(ascii: " ") else { return nil }
        let value = rest.dropSpaces()
        return value.isEmpty ? nil : (number, value)
    }

    /// The decimal digits at the start of `bytes` (at most 18, so no overflow), and what follows.
    private static func leadingNumber(_ bytes: UnsafeRawBufferPointer) -> (Int, UnsafeRawBufferPointer)? {
        var value = 0
        var index = 0
        while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            guard index < 18 else { return nil }
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        return index > 0 ? (value, UnsafeRawBufferPointer(rebasing: bytes[index...])) : nil
    }

    static func printableLine(_ line: UnsafeRawBufferPointer) -> String {
        printable(String(decoding: line, as: UTF8.self), limit: 100)
    }
}

extension UnsafeRawBufferPointer {
    /// Without its leading spaces.
    func dropSpaces() -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: drop(while: { $0 == UInt8(ascii: " ") }))
    }

    /// Without its trailing spaces.
    func dropTrailingSpaces() -> UnsafeRawBufferPointer {
        var end = count
        while end > 0, self[end - 1] == UInt8(ascii: " ") { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: self[0..<end])
    }
}
