import Foundation
import Testing
@testable import POP3Core

@Suite struct AuthPlannerTests {
    let dovecot = Capabilities(lines: ["USER", "SASL PLAIN XOAUTH2 OAUTHBEARER", "STLS"])
    let greeting = "Dovecot ready. <1.2.3@host>"

    private func plan(_ method: AuthMethod, token: Bool = false, caps: Capabilities? = nil,
                      protected: Bool = true, allow: Bool = false) throws -> AuthPlan {
        try AuthPlanner.plan(method: method, haveToken: token, capabilities: caps ?? dovecot, greeting: greeting,
                             connectionIsProtected: protected, allowPlaintextAuth: allow)
    }

    @Test func autoPicksStrongestOffered() throws {
        #expect(try plan(.auto) == .sasl(mechanism: "PLAIN"))
        #expect(try plan(.auto, token: true) == .sasl(mechanism: "OAUTHBEARER"))
        #expect(try plan(.auto, caps: Capabilities(lines: ["USER"])) == .userPass)
        #expect(try plan(.auto, caps: .rfc1939Baseline) == .userPass)
        #expect(throws: POP3Error.self) { try plan(.auto, token: true, caps: Capabilities(lines: ["USER"])) }
    }

    @Test func neverSendsCredentialsInTheClear() throws {
        for method in AuthMethod.allCases {
            do {
                _ = try plan(method, protected: false)
                Issue.record("\(method) planned a login on an unprotected connection")
            } catch let error as POP3Error {
                guard case .insecureConnection = error else {
                    Issue.record("\(method): unexpected \(error)")
                    continue
                }
            } catch {
                Issue.record("\(method): unexpected \(error)")
            }
        }
        #expect(try plan(.user, protected: false, allow: true) == .userPass)
    }

    @Test func apopOnlyWhenAskedAndWithValidTimestamp() throws {
        #expect(try plan(.apop) == .apop(timestamp: "<1.2.3@host>"))
        #expect(APOPChallenge.timestamp(inGreeting: "ready <no-at-sign>") == nil)
        #expect(APOPChallenge.timestamp(inGreeting: "ready") == nil)
    }

    @Test func saslPayloads() {
        #expect(Data(base64Encoded: SASL.plain(user: "u", password: "p")) == Data([0, 117, 0, 112]))
        let xoauth = String(decoding: Data(base64Encoded: SASL.xoauth2(user: "u", token: "t")) ?? Data(), as: UTF8.self)
        #expect(xoauth == "user=u\u{1}auth=Bearer t\u{1}\u{1}")
        let bearer = String(decoding: Data(base64Encoded: SASL.oauthBearer(user: "a,b", token: "t", host: "h", port: 995)) ?? Data(), as: UTF8.self)
        #expect(bearer == "n,a=a=2Cb,\u{1}host=h\u{1}port=995\u{1}auth=Bearer t\u{1}\u{1}")
        #expect(!SASL.initialResponseFits(mechanism: "XOAUTH2", response: String(repeating: "a", count: 300)))
        #expect(SASL.errorChallengeAnswer(for: "OAUTHBEARER") == "AQ==")
    }

    @Test func credentialsDoNotPrintSecrets() {
        let credentials = Credentials(user: "alice", secret: .password("canary-123"))
        #expect(!"\(credentials)".contains("canary-123"))
        #expect(!String(reflecting: credentials).contains("canary-123"))
    }
}
