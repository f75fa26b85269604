/// How the account wants to log in (the `auth` key of an account).
public enum AuthMethod: String, Sendable, CaseIterable {
    case auto, user, apop, plain, xoauth2, oauthbearer

    public var usesToken: Bool { self == .xoauth2 || self == .oauthbearer }
}

/// The login exchange the client will run.
public enum AuthPlan: Sendable, Equatable {
    case userPass
    case apop(timestamp: String)
    case sasl(mechanism: String)
}

/// Decides how to log in from what the account asks, what the server offers and whether the
/// connection is protected. Pure, so every refusal can be tested without a server.
///
/// `auto` picks the strongest method the server offers for the kind of secret we hold: a token
/// uses OAUTHBEARER, then XOAUTH2; a password uses SASL PLAIN, then USER/PASS. APOP is never
/// chosen automatically: MD5 is broken (CVE-2007-1558), so it is used only when asked for.
public enum AuthPlanner {
    public static func plan(method: AuthMethod, haveToken: Bool, capabilities: Capabilities,
                            greeting: String, connectionIsProtected: Bool,
                            allowPlaintextAuth: Bool) throws(POP3Error) -> AuthPlan {
        guard connectionIsProtected || allowPlaintextAuth else {
            throw .insecureConnection("the connection is not protected by TLS; credentials are not sent "
                + "(set tls = \"implicit\" or \"starttls\", or both tls = \"none\" and allow_plaintext_auth = true)")
        }
        switch method {
        case .user:
            return .userPass
        case .plain:
            guard capabilities.offersSASL("PLAIN") || !capabilities.announced else {
                throw .unsupported("SASL PLAIN is not offered (server offers: \(offered(capabilities)))")
            }
            return .sasl(mechanism: "PLAIN")
        case .xoauth2, .oauthbearer:
            let name = method.rawValue.uppercased()
            guard capabilities.offersSASL(name) else {
                throw .unsupported("SASL \(name) is not offered (server offers: \(offered(capabilities)))")
            }
            return .sasl(mechanism: name)
        case .apop:
            guard let stamp = APOPChallenge.timestamp(inGreeting: greeting) else {
                throw .unsupported("APOP needs a <msg-id> timestamp in the greeting, and the server sent none")
            }
            return .apop(timestamp: stamp)
        case .auto:
            if haveToken {
                for name in ["OAUTHBEARER", "XOAUTH2"] where capabilities.offersSASL(name) {
                    return .sasl(mechanism: name)
                }
                throw .unsupported("a token is configured but the server offers neither OAUTHBEARER nor XOAUTH2 "
                    + "(server offers: \(offered(capabilities)))")
            }
            if capabilities.offersSASL("PLAIN") { return .sasl(mechanism: "PLAIN") }
            if capabilities.has("USER") || !capabilities.announced { return .userPass }
            throw .unsupported("no password login method is offered (server offers: \(offered(capabilities)))")
        }
    }

    private static func offered(_ capabilities: Capabilities) -> String {
        var methods = capabilities.saslMechanisms.map { "SASL \($0)" }
        if capabilities.has("USER") { methods.append("USER") }
        return methods.isEmpty ? "nothing" : methods.joined(separator: ", ")
    }
}
