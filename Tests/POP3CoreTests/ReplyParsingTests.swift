import Testing
@testable import POP3Core

@Suite struct ReplyParsingTests {
    @Test func parsesStatusLines() throws {
        let ok = try StatusLine.parse(Array("+OK 3 messages".utf8))
        #expect(ok.kind == .ok && ok.text == "3 messages")
        let err = try StatusLine.parse(Array("-ERR [IN-USE] locked".utf8))
        #expect(err.kind == .err && err.code == .inUse && err.text == "locked")
        let lower = try StatusLine.parse(Array("+ok fine".utf8))
        #expect(lower.isOK)
        let challenge = try StatusLine.parse(Array("+ eyJzdGF0dXMiOiI0MDEifQ==".utf8))
        #expect(challenge.kind == .challenge && challenge.text == "eyJzdGF0dXMiOiI0MDEifQ==")
        #expect(try StatusLine.parse(Array("+".utf8)).kind == .challenge)
    }

    @Test func rejectsGarbage() {
        #expect(throws: POP3Error.self) { try StatusLine.parse(Array("HTTP/1.1 200 OK".utf8)) }
        #expect(throws: POP3Error.self) { try StatusLine.parse([]) }
    }

    @Test func printableEscapesControlCharacters() {
        #expect(printable("a\u{1}b") == "\"a\\x01b\"")
        #expect(printable("abcdef", limit: 3) == "\"abc…\"")
    }

    @Test func classifiesErrors() {
        func classify(_ line: String, phase: ReplyClassifier.Phase = .login, codes: Bool = false) -> POP3Error {
            // swiftlint:disable:next force_try
            let reply = (try? StatusLine.parse(Array(line.utf8))) ?? StatusLine(kind: .err, text: "")
            return ReplyClassifier.error(for: reply, command: .pass("x"), phase: phase, serverPromisesAuthCodes: codes)
        }
        #expect(classify("-ERR [AUTH] bad").category == "auth")
        #expect(classify("-ERR [IN-USE] busy").category == "in-use")
        #expect(classify("-ERR [LOGIN-DELAY] wait").category == "login-delay")
        #expect(classify("-ERR [SYS/TEMP] later").category == "temporary")
        #expect(classify("-ERR [SYS/PERM] disabled").category == "permanent")
        #expect(classify("-ERR [SYS/WHATEVER] x").category == "temporary")
        #expect(classify("-ERR unable to lock maildrop").category == "in-use")
        #expect(classify("-ERR wrong").category == "auth")
        #expect(classify("-ERR wrong", codes: true).category == "temporary")
        #expect(classify("-ERR no such message", phase: .transaction).category == "refused")
        #expect(classify("-ERR [IN-USE] busy").isTransient)
        #expect(!classify("-ERR [AUTH] bad").isTransient)
    }

    @Test func commandsRedactSecrets() {
        #expect(!POP3Command.pass("hunter2").description.contains("hunter2"))
        #expect(!POP3Command.auth(mechanism: "PLAIN", initialResponse: "c2VjcmV0").description.contains("c2VjcmV0"))
        #expect(!POP3Command.saslResponse("dG9rZW4=").description.contains("dG9rZW4="))
        #expect(!POP3Command.apop(user: "u", digestHex: "abcdef").description.contains("abcdef"))
        #expect(POP3Command.auth(mechanism: "PLAIN", initialResponse: "").wireText == "AUTH PLAIN =")
        #expect(POP3Command.retr(7).wireBytes == Array("RETR 7\r\n".utf8))
    }
}
