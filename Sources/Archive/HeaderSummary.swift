/// What the index keeps of a message for search, restore filters and retention: its Date,
/// From, To, Subject and Message-ID, with RFC 2047 encoded words decoded, and the first few KB
/// of its text. Read from the start of the canonical message (`prefixLimit` bytes). Pure;
/// tolerant of anything (missing fields, 8-bit bytes, folded lines, broken MIME).
public struct HeaderSummary: Sendable, Equatable {
    public var date: String?
    /// The Date header as Unix seconds, when it parses.
    public var dateTime: Int?
    public var from: String?
    public var to: String?
    public var subject: String?
    public var messageID: String?
    /// The start of the message's readable text (`BodyText`), for the search index.
    public var body: String?

    public init() {}

    /// How many leading bytes of a message are kept for its summary.
    public static let prefixLimit = 64 * 1024

    public static func parse(_ bytes: some RandomAccessCollection<UInt8>) -> HeaderSummary {
        let message = Array(bytes.prefix(prefixLimit))
        let headers = HeaderFields(message)
        var summary = HeaderSummary()
        summary.date = headers.first("date")
        summary.from = headers.first("from").map(EncodedWords.decode)
        summary.to = headers.first("to").map(EncodedWords.decode)
        summary.subject = headers.first("subject").map(EncodedWords.decode)
        summary.messageID = headers.first("message-id")
        summary.dateTime = summary.date.flatMap(MessageDate.parse)
        summary.body = BodyText.extract(body: message[headers.bodyStart..<min(message.count, headers.bodyStart + BodyText.scannedBytes)],
                                       headers: headers)
        return summary
    }
}
