/// Maps a `-ERR` reply to a typed error (RFC 2449 §8, RFC 3206), falling back on the text
/// heuristics fetchmail uses for servers without response codes ("lock", "wait", …).
public enum ReplyClassifier {
    public enum Phase: Sendable { case login, transaction }

    public static func error(for reply: StatusLine, command: POP3Command, phase: Phase,
                             serverPromisesAuthCodes: Bool) -> POP3Error {
        let text = reply.description
        if let code = reply.code {
            switch code.root {
            case "IN-USE": return .mailboxInUse(text)
            case "LOGIN-DELAY": return .loginDelay(text)
            case "AUTH": return .authenticationFailed(text)
            case "SYS":
                return code == .systemPermanent ? .permanentFailure(text) : .temporaryFailure(text)
            default: break
            }
        }
        let lower = reply.text.lowercased()
        if lower.contains("lock") || lower.contains("in use") || lower.contains("another pop3 session") {
            return .mailboxInUse(text)
        }
        if lower.contains("try again") || lower.contains("wait") || lower.contains("unavailable") {
            return .temporaryFailure(text)
        }
        guard phase == .login else { return .commandRefused(command: command.description, reply: text) }
        // RFC 3206 §4: with AUTH-RESP-CODE, a login failure without [AUTH] is not the credentials' fault.
        return serverPromisesAuthCodes ? .temporaryFailure(text) : .authenticationFailed(text)
    }
}
