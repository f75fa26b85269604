import Crypto
import Foundation
import POP3Core

extension POP3Client {
    /// Logs in. The method comes from `AuthPlanner`, which refuses to send any credential on an
    /// unprotected connection unless `allowPlaintextAuth` (the account's explicit opt-in) is set.
    /// Capabilities are read again afterwards: some servers (Gmail) announce UIDL and PIPELINING only then.
    public func login(_ credentials: Credentials, method: AuthMethod, allowPlaintextAuth: Bool) async throws {
        try await POP3Error.wrap {
            try await learnCapabilitiesAfterLogin(
                capaSent: try await authenticate(credentials, method: method, allowPlaintextAuth: allowPlaintextAuth))
        }
    }

    /// Reads the reply of the CAPA sent with the login (`capaSent`), or asks for the
    /// capabilities when none was.
    func learnCapabilitiesAfterLogin(capaSent: StatusLine?) async throws {
        if let capaSent {
            try await readCapabilities(status: capaSent)
        } else {
            try await refreshCapabilities()
        }
    }

    /// The login exchange alone. Returns the status line of a CAPA sent with the login, whose
    /// reply is still to be read; nil when none was sent.
    func authenticate(_ credentials: Credentials, method: AuthMethod, allowPlaintextAuth: Bool) async throws -> StatusLine? {
        let plan = try AuthPlanner.plan(method: method, haveToken: credentials.isToken, capabilities: capabilities,
                                        greeting: greeting.text, connectionIsProtected: isProtected,
                                        allowPlaintextAuth: allowPlaintextAuth)
        logger.debug("logging in", metadata: ["user": "\(credentials.user)", "method": "\(plan)"])
        var capaStatus: StatusLine?
        switch plan {
        case .userPass:
            capaStatus = try await userPass(credentials)
        case .apop(let timestamp):
            let digest = Insecure.MD5.hash(data: Array((timestamp + credentials.secretValue).utf8))
            let hex = digest.map { String(format: "%02x", $0) }.joined()
            try await command(.apop(user: credentials.user, digestHex: hex), phase: .login)
        case .sasl(let mechanism):
            try await sasl(mechanism: mechanism, response: saslResponse(mechanism, credentials))
        }
        isAuthenticated = true
        return capaStatus
    }

    /// USER and PASS. When the server announced PIPELINING before login they go in one write,
    /// with the CAPA that follows a login: two round trips fewer. The status line of that CAPA is
    /// returned; its reply is read after the login succeeded (after a failed one, it was answered
    /// before login and is dropped with the connection). A `-ERR` to USER fails the login either
    /// way: PASS is then refused too.
    private func userPass(_ credentials: Credentials) async throws -> StatusLine? {
        let commands: [POP3Command] = [.user(credentials.user), .pass(credentials.secretValue)]
        if capabilities.pipelining {
            return try await pipelined(commands + [.capa], phase: .login, checked: commands.count).last
        }
        for command in commands { try await self.command(command, phase: .login) }
        return nil
    }

    private func saslResponse(_ mechanism: String, _ credentials: Credentials) -> String {
        switch mechanism {
        case "XOAUTH2": return SASL.xoauth2(user: credentials.user, token: credentials.secretValue)
        case "OAUTHBEARER":
            return SASL.oauthBearer(user: credentials.user, token: credentials.secretValue,
                                    host: endpoint.host, port: endpoint.port)
        default: return SASL.plain(user: credentials.user, password: credentials.secretValue)
        }
    }

    /// RFC 5034 AUTH. The response goes with the command when it fits in 255 octets; otherwise
    /// (long OAuth tokens) after the server's empty `+`. XOAUTH2 always uses two steps, the only
    /// form Microsoft 365 accepts (getmail6#256). A `+` challenge after the response is an OAuth
    /// error report: we answer it so the server sends its final `-ERR` instead of waiting forever.
    private func sasl(mechanism: String, response: String) async throws {
        let oneStep = mechanism != "XOAUTH2" && SASL.initialResponseFits(mechanism: mechanism, response: response)
        var reply: StatusLine
        if oneStep {
            try await transport.send([.auth(mechanism: mechanism, initialResponse: response)])
            reply = try await transport.readStatusLine(for: "AUTH \(mechanism)")
        } else {
            try await transport.send([.auth(mechanism: mechanism, initialResponse: nil)])
            reply = try await transport.readStatusLine(for: "AUTH \(mechanism)")
            if reply.kind == .challenge {
                try await transport.send([.saslResponse(response)])
                reply = try await transport.readStatusLine(for: "AUTH \(mechanism)")
            }
        }
        if reply.kind == .challenge {
            let detail = Data(base64Encoded: reply.text).map { String(decoding: $0, as: UTF8.self) } ?? reply.text
            try await transport.send([.saslResponse(SASL.errorChallengeAnswer(for: mechanism))])
            let final = try await transport.readStatusLine(for: "AUTH \(mechanism)")
            if final.isOK { return }
            throw POP3Error.authenticationFailed("\(mechanism) rejected: \(printable(detail, limit: 200)); \(final)")
        }
        guard reply.isOK else {
            throw ReplyClassifier.error(for: reply, command: .auth(mechanism: mechanism, initialResponse: nil),
                                        phase: .login, serverPromisesAuthCodes: capabilities.authResponseCodes)
        }
    }
}
