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
                fields[fields.count - 1].1 += " " + trimmed(line)
            } else if let colon = line.firstIndex(of: ":") {
                fields.append((line[..<colon].lowercased(), trimmed(line[line.index(after: colon)...])))
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
        summary.dateTime = summary.date.flatMap(MessageDate.parse)
        return summary
    }

    /// Without leading and trailing spaces and tabs.
    private static func trimmed(_ text: Substring) -> String {
        String(text.trimming { $0 == " " || $0 == "\t" })
    }
}
