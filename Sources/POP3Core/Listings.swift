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
        let bytes = Array(uidl.utf8)
        if bytes.isEmpty { return .invalid("empty unique id") }
        if bytes.count > maximumUIDLLength {
            return .invalid("unique id of \(bytes.count) bytes exceeds the \(maximumUIDLLength)-byte limit")
        }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) { return .invalid("unique id contains control characters") }
        return bytes.count > rfcUIDLLength ? .overlong : .valid
    }

    /// Parses the data lines of `UIDL` (without line ends). Numbers must be positive and unique;
    /// the same id on two numbers is allowed (RFC 1939 §7: identical copies may share an id).
    public static func parseUIDL(lines: [[UInt8]]) -> UIDLListing {
        var listing = UIDLListing()
        var seenNumbers = Set<Int>()
        for raw in lines {
            let line = String(decoding: raw, as: UTF8.self)
            guard let (number, rest) = splitNumber(line) else {
                listing.rejected.append(.init(line: printable(line, limit: 100), reason: "not \"number id\""))
                continue
            }
            // Several spaces between number and id occur (Comcast); trailing spaces are not part of the id.
            var uidl = Substring(rest)
            while uidl.last == " " { uidl = uidl.dropLast() }
            switch check(uidl: String(uidl)) {
            case .invalid(let reason):
                listing.rejected.append(.init(line: printable(line, limit: 100), reason: reason))
                continue
            case .overlong:
                listing.overlongAccepted += 1
            case .valid: break
            }
            guard seenNumbers.insert(number).inserted else {
                listing.rejected.append(.init(line: printable(line, limit: 100), reason: "message number \(number) listed twice"))
                continue
            }
            listing.entries.append(UIDLEntry(number: number, uidl: String(uidl)))
        }
        return listing
    }

    /// Parses the data lines of `LIST`: message number → size in octets. Sizes are hints only.
    public static func parseList(lines: [[UInt8]]) -> [Int: Int] {
        var sizes: [Int: Int] = [:]
        for raw in lines {
            let line = String(decoding: raw, as: UTF8.self)
            guard let (number, rest) = splitNumber(line),
                  let size = Int(rest.split(separator: " ").first ?? ""), size >= 0 else { continue }
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

    private static func splitNumber(_ line: String) -> (Int, Substring)? {
        let trimmed = line.drop(while: { $0 == " " })
        guard let space = trimmed.firstIndex(of: " "), let number = Int(trimmed[..<space]), number > 0 else { return nil }
        let rest = trimmed[space...].drop(while: { $0 == " " })
        return rest.isEmpty ? nil : (number, rest)
    }
}
