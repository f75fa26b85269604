/// A command the client sends. `wireBytes` is what goes on the wire; `description` is what
/// may be logged: it never contains a password, a token or a SASL response.
public enum POP3Command: Sendable, Equatable, CustomStringConvertible {
    case capa
    case stls
    case user(String)
    case pass(String)
    case apop(user: String, digestHex: String)
    /// `AUTH mechanism [initial-response]` (RFC 5034). An empty initial response is sent as `=`.
    case auth(mechanism: String, initialResponse: String?)
    /// A line answering a `+` challenge during AUTH: base64, an empty line, or `*` to cancel.
    case saslResponse(String)
    case stat
    case list(Int?)
    case uidl(Int?)
    case top(Int, lines: Int)
    case retr(Int)
    case dele(Int)
    case rset
    case noop
    case quit

    /// RFC 2449 §4: a command line is at most 255 octets including CRLF.
    public static let maximumCommandLength = 255

    /// Whether a positive reply to this command is a multi-line response.
    public var expectsMultilineReply: Bool {
        switch self {
        case .capa, .list(nil), .uidl(nil), .top, .retr: return true
        default: return false
        }
    }

    public var wireText: String {
        switch self {
        case .capa: return "CAPA"
        case .stls: return "STLS"
        case .user(let name): return "USER \(name)"
        case .pass(let secret): return "PASS \(secret)"
        case .apop(let user, let digest): return "APOP \(user) \(digest)"
        case .auth(let mechanism, let initial):
            guard let initial else { return "AUTH \(mechanism)" }
            return "AUTH \(mechanism) \(initial.isEmpty ? "=" : initial)"
        case .saslResponse(let line): return line
        case .stat: return "STAT"
        case .list(let n): return n.map { "LIST \($0)" } ?? "LIST"
        case .uidl(let n): return n.map { "UIDL \($0)" } ?? "UIDL"
        case .top(let n, let lines): return "TOP \(n) \(lines)"
        case .retr(let n): return "RETR \(n)"
        case .dele(let n): return "DELE \(n)"
        case .rset: return "RSET"
        case .noop: return "NOOP"
        case .quit: return "QUIT"
        }
    }

    public var wireBytes: [UInt8] { Array((wireText + "\r\n").utf8) }

    public var description: String {
        switch self {
        case .pass: return "PASS <redacted>"
        case .apop(let user, _): return "APOP \(user) <redacted>"
        case .auth(let mechanism, let initial): return initial == nil ? "AUTH \(mechanism)" : "AUTH \(mechanism) <redacted>"
        case .saslResponse: return "<SASL response redacted>"
        default: return wireText
        }
    }

    /// Whether the command carries a secret (so it must never be sent without TLS unless the
    /// account explicitly allows plaintext authentication).
    public var carriesCredential: Bool {
        switch self {
        case .user, .pass, .apop, .auth, .saslResponse: return true
        default: return false
        }
    }
}
