/// Everything that can go wrong talking to a POP3 server, typed so that the scheduler can
/// decide between "retry later", "fix your credentials" and "skip this message".
public enum POP3Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server rejected the credentials (`[AUTH]`, or a code-less `-ERR` at login).
    case authenticationFailed(String)
    /// `[IN-USE]` or a lock message: another session holds the mailbox.
    case mailboxInUse(String)
    /// `[LOGIN-DELAY]`: logging in again too soon.
    case loginDelay(String)
    /// `[SYS/TEMP]`, or a code-less auth failure when the server promised AUTH-RESP-CODE.
    case temporaryFailure(String)
    /// `[SYS/PERM]`: a person must act (account disabled, …).
    case permanentFailure(String)
    /// A command other than login was refused.
    case commandRefused(command: String, reply: String)
    /// The TLS handshake or certificate check failed, or the pin did not match.
    case tlsFailure(String)
    /// We refused to continue because the connection is not protected as the account demands.
    case insecureConnection(String)
    /// The server does not offer what the account needs (no STLS, no such SASL mechanism, no UIDL).
    case unsupported(String)
    /// The server broke the protocol: garbage, an over-long line, a bad listing.
    case protocolViolation(String)
    /// A reply's end could not be told for sure (a glued terminator without a size to go by,
    /// with another command in flight); the message is fetched again without pipelining.
    case ambiguousFraming(String)
    /// No reply within the time limit.
    case timeout(String)
    /// The connection closed or was reset.
    case connectionClosed(String)
    /// The TCP connection could not be made.
    case connectFailed(String)

    /// Worth retrying later in the same run (with back-off): the server or network said "not now".
    public var isTransient: Bool {
        switch self {
        case .mailboxInUse, .loginDelay, .temporaryFailure, .timeout, .connectionClosed, .connectFailed, .ambiguousFraming: return true
        default: return false
        }
    }

    /// A short category name for reports and metrics.
    public var category: String {
        switch self {
        case .authenticationFailed: return "auth"
        case .mailboxInUse: return "in-use"
        case .loginDelay: return "login-delay"
        case .temporaryFailure: return "temporary"
        case .permanentFailure: return "permanent"
        case .commandRefused: return "refused"
        case .tlsFailure: return "tls"
        case .insecureConnection: return "insecure"
        case .unsupported: return "unsupported"
        case .protocolViolation: return "protocol"
        case .ambiguousFraming: return "framing"
        case .timeout: return "timeout"
        case .connectionClosed: return "connection-closed"
        case .connectFailed: return "connect"
        }
    }

    public var description: String {
        switch self {
        case .authenticationFailed(let m): return "authentication failed: \(m)"
        case .mailboxInUse(let m): return "mailbox in use: \(m)"
        case .loginDelay(let m): return "login delay in force: \(m)"
        case .temporaryFailure(let m): return "temporary server failure: \(m)"
        case .permanentFailure(let m): return "permanent server failure: \(m)"
        case .commandRefused(let c, let r): return "\(c) refused: \(r)"
        case .tlsFailure(let m): return "TLS failure: \(m)"
        case .insecureConnection(let m): return "refusing insecure connection: \(m)"
        case .unsupported(let m): return "server does not support it: \(m)"
        case .protocolViolation(let m): return "protocol violation: \(m)"
        case .ambiguousFraming(let m): return "ambiguous message framing: \(m)"
        case .timeout(let m): return "timed out: \(m)"
        case .connectionClosed(let m): return "connection closed: \(m)"
        case .connectFailed(let m): return "cannot connect: \(m)"
        }
    }
}
