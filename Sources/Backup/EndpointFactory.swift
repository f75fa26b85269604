import Config
import NIOCore
import POP3
import POP3Core

/// Maps the validated config onto the POP3 client's types (Config knows nothing of POP3).
enum EndpointFactory {
    static func endpoint(for account: AccountConfig, defaults: Defaults) -> POP3Endpoint {
        let security: TransportSecurity
        switch account.tls {
        case .implicit: security = .implicit
        case .starttls: security = .starttls
        case .none: security = .none
        }
        return POP3Endpoint(host: account.host, port: account.port, security: security,
                            tls: TLSOptions(caFile: account.caFile, fingerprint: account.tlsFingerprint),
                            timeouts: POP3Timeouts(connect: .seconds(Int64(defaults.connectTimeoutSeconds)),
                                                   reply: .seconds(Int64(defaults.replyTimeoutSeconds))))
    }

    static func authMethod(for account: AccountConfig) -> AuthMethod {
        AuthMethod(rawValue: account.auth.rawValue) ?? .auto
    }

    static func credentials(for account: AccountConfig, secret: String) -> Credentials {
        Credentials(user: account.user, secret: account.secret.isToken ? .token(secret) : .password(secret))
    }

}
