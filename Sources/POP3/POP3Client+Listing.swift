import POP3Core

extension POP3Client {
    /// Logs in and lists the mailbox: STAT and UIDL, the start of every backup session, which
    /// with nothing new is nearly all of it. A server that announced PIPELINING gets the CAPA
    /// that follows a login, STAT and UIDL in one write once the login is accepted, so all three
    /// are in the TRANSACTION state (RFC 2449 §6.6): one round trip fewer than asking for the
    /// capabilities first. A USER/PASS login already carried that CAPA; STAT and UIDL then go
    /// together after it.
    ///
    /// A server whose capabilities after login do not include UIDL is refused: without it, a
    /// client that leaves mail on the server cannot tell which messages it already has.
    public func loginAndList(_ credentials: Credentials, method: AuthMethod, allowPlaintextAuth: Bool)
        async throws -> (stat: (count: Int, size: Int), listing: UIDLListing) {
        try await POP3Error.wrap {
            let capaSent = try await authenticate(credentials, method: method, allowPlaintextAuth: allowPlaintextAuth)
            if capaSent == nil && capabilities.pipelining {
                logger.trace("send", metadata: ["command": "CAPA, STAT, UIDL (pipelined)"])
                try await transport.send([.capa, .stat, .uidl(nil)])
                try await readCapabilities(status: try await transport.readStatusLine(for: POP3Command.capa.description))
                try requireUIDL()
                return try await readStatAndUIDL()
            }
            try await learnCapabilitiesAfterLogin(capaSent: capaSent)
            try requireUIDL()
            return try await statAndUIDL()
        }
    }

    /// STAT and UIDL; a server that pipelines gets both in one write.
    public func statAndUIDL() async throws -> (stat: (count: Int, size: Int), listing: UIDLListing) {
        guard capabilities.pipelining else {
            return (try await stat(), try await uidl())
        }
        logger.trace("send", metadata: ["command": "STAT, UIDL (pipelined)"])
        try await transport.send([.stat, .uidl(nil)])
        return try await readStatAndUIDL()
    }

    /// The replies of a STAT and a UIDL already sent.
    private func readStatAndUIDL() async throws -> (stat: (count: Int, size: Int), listing: UIDLListing) {
        let stat = try ListingParser.parseStat(try accepted(try await transport.readStatusLine(
            for: POP3Command.stat.description), to: .stat, phase: .transaction).text)
        let uidl = try accepted(try await transport.readStatusLine(for: POP3Command.uidl(nil).description),
                                to: .uidl(nil), phase: .transaction)
        return (stat, try await readUIDL(status: uidl))
    }

    private func requireUIDL() throws {
        guard capabilities.has("UIDL") || !capabilities.announced else {
            throw POP3Error.unsupported("the server does not offer UIDL; without it a client that leaves mail on the "
                + "server cannot tell which messages it already has (ask the server's administrator to enable UIDL)")
        }
    }
}
