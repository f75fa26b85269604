import NIOCore

/// A POP3 mailbox served by a `ScriptedPOP3Server` with the quirks of servers no test can run:
/// terminators glued to a last line without its line end (Exchange 2000), no PIPELINING, no
/// octet count in RETR's reply, sizes that are absurd, a reply that stalls or trickles. It
/// logs in anyone and answers CAPA, USER, PASS, STAT, UIDL, LIST, RETR, NOOP and QUIT.
public struct ScriptedMailbox: Sendable {
    public struct Quirks: Sendable {
        /// A message without a final line end is ended `last line.` CRLF, with no CRLF `.` CRLF.
        public var gluedTerminator = false
        public var pipelining = true
        /// RETR answers `+OK n octets` (else `+OK message follows`).
        public var octetsInRETR = true
        /// LIST answers this size for every message, instead of the real one.
        public var listedSize: String?
        /// RETR of this message sends part of it, then nothing more.
        public var stallsAt: Int?
        /// RETR of this message sends it a byte at a time, this far apart.
        public var tricklesAt: (number: Int, interval: TimeAmount)?

        public init() {}
    }

    public let messages: [[UInt8]]
    public let quirks: Quirks

    /// `messages` as a server holds them (CRLF line ends are made from LF ones).
    public init(messages: [[UInt8]], quirks: Quirks = Quirks()) {
        self.messages = messages.map(Self.crlf)
        self.quirks = quirks
    }

    /// A server for this mailbox, on a free loopback port.
    public func serve() throws -> ScriptedPOP3Server {
        try ScriptedPOP3Server(respond: respond)
    }

    public func respond(_ line: String) -> [ScriptedPOP3Server.Action] {
        let words = line.split(separator: " ")
        let number = words.count > 1 ? Int(words[1]) : nil
        switch words.first.map({ $0.uppercased() }) ?? "" {
        case "CAPA": return [.send("+OK\r\nUSER\r\nUIDL\r\n" + (quirks.pipelining ? "PIPELINING\r\n" : "") + ".\r\n")]
        case "USER", "PASS", "NOOP": return [.send("+OK\r\n")]
        case "STAT": return [.send("+OK \(messages.count) \(messages.reduce(0) { $0 + $1.count })\r\n")]
        case "UIDL": return [.send("+OK\r\n" + messages.indices.map { "\($0 + 1) uid-\($0 + 1)\r\n" }.joined() + ".\r\n")]
        case "LIST":
            if let number {
                guard messages.indices.contains(number - 1) else { return [.send("-ERR no such message\r\n")] }
                return [.send("+OK \(number) \(size(of: number))\r\n")]
            }
            return [.send("+OK\r\n" + messages.indices.map { "\($0 + 1) \(size(of: $0 + 1))\r\n" }.joined() + ".\r\n")]
        case "RETR":
            guard let number, messages.indices.contains(number - 1) else { return [.send("-ERR no such message\r\n")] }
            let message = messages[number - 1]
            let status = Array((quirks.octetsInRETR ? "+OK \(message.count) octets\r\n" : "+OK message follows\r\n").utf8)
            let reply = status + stuffed(message)
            if quirks.stallsAt == number { return [.sendBytes(Array(reply.prefix(status.count + message.count / 2)))] }
            if let trickle = quirks.tricklesAt, trickle.number == number { return [.trickle(reply, interval: trickle.interval)] }
            return [.sendBytes(reply)]
        case "QUIT": return [.send("+OK bye\r\n"), .close]
        default: return [.send("-ERR unknown command\r\n")]
        }
    }

    private func size(of number: Int) -> String {
        quirks.listedSize ?? "\(messages[number - 1].count)"
    }

    /// The data of RETR's reply: dot-stuffed, and terminated as the quirks say.
    private func stuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") { out.append(byte) }
            out.append(byte)
            atLineStart = byte == 10
        }
        if atLineStart { return out + Array(".\r\n".utf8) }
        return out + Array((quirks.gluedTerminator ? ".\r\n" : "\r\n.\r\n").utf8)
    }

    private static func crlf(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for byte in message {
            if byte == 10 && out.last != 13 { out.append(13) }
            out.append(byte)
        }
        return out
    }
}
