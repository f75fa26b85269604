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
public struct UIDLListing: Sendable, Equatable {
    public var entries: [UIDLEntry] = []
    public var rejected: [RejectedListingLine] = []
    /// UIDLs longer than RFC 1939's 70 characters that we accepted anyway.
    public var overlongAccepted = 0

    public init() {}
}

public enum ListingParser {
    /// RFC 1939 allows 1–70 characters in 0x21–0x7E. Real servers send longer ids (Fastmail),
    /// spaces and 8-bit bytes (mpop accepts them); we accept up to this cap and reject control
    /// characters, which no sane id contains (and which would corrupt logs and file names).
    public static let maximumUIDLLength = 512
    public static let rfcUIDLLength = 70

    public enum UIDLCheck: Equatable, Sendable { case valid, overlong, invalid(String) }

    public static func check(uidl: String) -> UIDLCheck {
        check(uidlBytes: Array(uidl.utf8)[...])
    }

    static func check(uidlBytes bytes: ArraySlice<UInt8>) -> UIDLCheck {
        if bytes.isEmpty { return .invalid("empty unique id") }
        if bytes.count > maximumUIDLLength {
            return .invalid("unique id of \(bytes.count) bytes exceeds the \(maximumUIDLLength)-byte limit")
        }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return .invalid("unique id contains control characters") }
        return bytes.count > rfcUIDLLength ? .overlong : .valid
    }

    /// Parses the data lines of `UIDL` (without line ends). Numbers must be positive and unique;
    /// the same id on two numbers is allowed (RFC 1939 §7: identical copies may share an id).
    /// Works on bytes: a listing has a line per message, and every run reads all of them.
    public static func parseUIDL(lines: [[UInt8]]) -> UIDLListing {
        var listing = UIDLListing()
        listing.entries.reserveCapacity(lines.count)
        var seenNumbers = Set<Int>(minimumCapacity: lines.count)
        for line in lines {
            guard let (number, rest) = splitNumber(line[...]) else {
                listing.rejected.append(.init(line: printableLine(line), reason: "not \"number id\""))
                continue
            }
            // Several spaces between number and id occur (Comcast); trailing spaces are not part of the id.
            var uidl = rest
            while uidl.last == UInt8(ascii: " ") { uidl = uidl.dropLast() }
            switch check(uidlBytes: uidl) {
            case .invalid(let reason):
                listing.rejected.append(.init(line: printableLine(line), reason: reason))
                continue
            case .overlong:
                listing.overlongAccepted += 1
            case .valid: break
            }
            guard seenNumbers.insert(number).inserted else {
                listing.rejected.append(.init(line: printableLine(line), reason: "message number \(number) listed twice"))
                continue
            }
            listing.entries.append(UIDLEntry(number: number, uidl: String(decoding: uidl, as: UTF8.self)))
        }
        return listing
    }

    /// Parses the data lines of `LIST`: message number → size in octets. Sizes are hints only.
    public static func parseList(lines: [[UInt8]]) -> [Int: Int] {
        var sizes: [Int: Int] = [:]
        sizes.reserveCapacity(lines.count)
        for line in lines {
            guard let (number, rest) = splitNumber(line[...]), let (size, _) = leadingNumber(rest),
                  size >= 0 else { continue }
            sizes[number] = size
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

    /// A positive number, spaces, and the non-empty rest of the line.
    private static func splitNumber(_ line: ArraySlice<UInt8>) -> (Int, ArraySlice<UInt8>)? {
        let trimmed = line.drop(while: { $0 == UInt8(ascii: " ") })
        guard let (number, rest) = leadingNumber(trimmed), number > 0, rest.first == UInt8(ascii: " ") else { return nil }
        let value = rest.drop(while: { $0 == UInt8(ascii: " ") })
        return value.isEmpty ? nil : (number, value)
    }

    /// The decimal digits at the start of `bytes` (at most 18, so no overflow), and what follows.
    private static func leadingNumber(_ bytes: ArraySlice<UInt8>) -> (Int, ArraySlice<UInt8>)? {
        var value = 0
        var index = bytes.startIndex
        while index < bytes.endIndex, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") {
            guard index - bytes.startIndex < 18 else { return nil }
            value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
            index += 1
        }
        return index > bytes.startIndex ? (value, bytes[index...]) : nil
    }

    private static func printableLine(_ line: [UInt8]) -> String {
        printable(String(decoding: line, as: UTF8.self), limit: 100)
    }
}
