import Config
import POP3Core

/// What a user should do about a failure, in one sentence. Pure.
public enum FailureAdvice {
    public static func advice(for error: Error, account: AccountConfig) -> String? {
        guard let error = error as? POP3Error else {
            if error is SecretResolver.Failure { return "fix the account's \(account.secret.key) so it yields the secret" }
            return nil
        }
        switch error {
        case .authenticationFailed:
            return "check user = \"\(account.user)\" and the secret from \(account.secret.key); "
                + "some providers need an app password or OAuth2 (token_command)"
        case .mailboxInUse:
            return "another client holds the mailbox; popvault retries later in the run — if it persists, stop the other client"
        case .loginDelay:
            return "the server limits how often you may log in; run less often"
        case .temporaryFailure:
            return "the server reported a temporary problem; the next run will try again"
        case .permanentFailure:
            return "the server refuses this account (disabled?); ask its administrator"
        case .timeout:
            if account.tls == .starttls && account.port == 995 { return "port 995 speaks TLS from the first byte: set tls = \"implicit\"" }
            return "the server did not answer in time; check host and port, and reply_timeout"
        case .connectFailed:
            return "check host = \"\(account.host)\" and port = \(account.port), and that the server is reachable"
        case .tlsFailure, .insecureConnection, .unsupported:
            return nil  // the message already says what to do
        case .ambiguousFraming:
            return "the server ends some messages in a way that cannot be read safely; the message named is left on the "
                + "server and tried again one at a time next run"
        case .protocolViolation, .connectionClosed, .commandRefused:
            return "the server misbehaved or the connection broke; the next run resumes where this one stopped"
        }
    }
}
