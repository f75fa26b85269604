import Foundation

/// The header fields the index keeps for search, restore filters and retention: Date, From,
/// To, Subject and Message-ID, read from the start of a canonical message. Pure; tolerant of
/// anything (missing fields, 8-bit bytes, folded lines).
public struct HeaderSummary: Sendable, Equatable {
    public var date: String?
    /// The Date header as Unix seconds, when it parses.
    public var dateTime: Int?
    public var from: String?
    public var to: String?
    public var subject: String?
    public var messageID: String?

    public init() {}

    /// How many leading bytes of a message are kept for parsing its header.
    public static let prefixLimit = 64 * 1024

    public static func parse(_ bytes: some Collection<UInt8>) -> HeaderSummary {
        var summary = HeaderSummary()
        var fields: [(String, String)] = []
        // Only the header block: up to the first empty line.
        var header = Array(bytes)
        if let end = header.indices.first(where: { $0 > 0 && header[$0] == 10 && header[$0 - 1] == 10 }) {
            header.removeSubrange(end...)
        }
        for rawLine in String(decoding: header, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.isEmpty { break }
            if let first = line.first, first == " " || first == "\t", !fields.isEmpty {
                fields[fields.count - 1].1 += " " + line.trimmingCharacters(in: .whitespaces)
            } else if let colon = line.firstIndex(of: ":") {
                fields.append((line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
        }
        func first(_ name: String) -> String? {
            fields.first { $0.0 == name }.map { String($0.1.prefix(1000)) }
        }
        summary.date = first("date")
        summary.from = first("from")
        summary.to = first("to")
        summary.subject = first("subject")
        summary.messageID = first("message-id")
        summary.dateTime = summary.date.flatMap(parseDate)
        return summary
    }

    /// RFC 5322 dates, with and without the weekday and seconds, and the obsolete zone names.
    static func parseDate(_ text: String) -> Int? {
        var cleaned = text
        if let paren = cleaned.firstIndex(of: "(") { cleaned = String(cleaned[..<paren]) }
        cleaned = cleaned.trimmingCharacters(in: .whitespaces)
        if let comma = cleaned.firstIndex(of: ",") { cleaned = cleaned[cleaned.index(after: comma)...].trimmingCharacters(in: .whitespaces) }
        cleaned = cleaned.replacingOccurrences(of: " GMT", with: " +0000").replacingOccurrences(of: " UT", with: " +0000")
        return DateParsers.shared.parse(cleaned)
    }
}

/// DateFormatter is costly to create (ICU), so the parsers are made once and used under a lock
/// (a formatter is not safe to share between threads unguarded).
private final class DateParsers: @unchecked Sendable {
    static let shared = DateParsers()
    private let lock = NSLock()
    private let formatters: [DateFormatter] = ["d MMM yyyy HH:mm:ss Z", "d MMM yyyy HH:mm Z", "d MMM yy HH:mm:ss Z"].map { format in
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = format
        return formatter
    }

    func parse(_ text: String) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        for formatter in formatters {
            if let date = formatter.date(from: text) { return Int(date.timeIntervalSince1970) }
        }
        return nil
    }
}
