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
    case retr(Int)
    case noop
    case quit

    /// RFC 2449 §4: a command line is at most 255 octets including CRLF.
    public static let maximumCommandLength = 255

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
        case .retr(let n): return "RETR \(n)"
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
}
