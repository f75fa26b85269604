import Foundation

/// A private Dovecot POP3 server for tests: its own config, state and Maildirs in a temp dir,
/// listening on free loopback ports (one plain + STLS, one implicit TLS), users in a
/// passwd-file, mail owned by `nobody`. Started with `dovecot -F -c CONF`, stopped by PID.
/// `@unchecked`: its ports, format and process change at start and stop, which a test calls
/// from one task; nothing else touches them concurrently.
public final class DovecotServer: @unchecked Sendable {
    public struct User: Sendable {
        public let name: String
        public let password: String
        public init(_ name: String, password: String) {
            self.name = name
            self.password = password
        }
    }

    public let directory: TemporaryDirectory
    public let certificates: TestCertificates
    public let users: [User]
    public private(set) var plainPort = 0
    public private(set) var tlsPort = 0
    /// The `pop3_uidl_format`; change it and `restart()` to simulate a server migration.
    public var uidlFormat: String
    /// Extra lines for dovecot.conf (e.g. `pop3_reuse_xuidl = yes`).
    public var extraConfig: [String]
    private var process: ChildProcess?
    private let oauth: OAuthIntrospectionServer?

    /// - Parameter oauthTokens: token → user name, accepted by an OAuth2 passdb through a
    ///   loopback introspection endpoint (XOAUTH2 and OAUTHBEARER).
    public init(users: [User], oauthTokens: [String: String] = [:], uidlFormat: String = "%08Xu%08Xv",
                extraConfig: [String] = [], certificateDays: Int = 30) throws {
        guard ProcessRunner.which("dovecot") != nil else {
            throw TestSupportError("dovecot is not installed: apt-get install -y dovecot-pop3d (scripts/test does it)")
        }
        directory = try TemporaryDirectory(prefix: "popvault-dovecot")
        certificates = try TestCertificates.make(in: directory, days: certificateDays)
        self.users = users
        self.uidlFormat = uidlFormat
        self.extraConfig = extraConfig
        oauth = oauthTokens.isEmpty ? nil : try OAuthIntrospectionServer(tokens: oauthTokens, directory: directory)
        for user in users {
            for sub in ["cur", "new", "tmp"] {
                try FileManager.default.createDirectory(atPath: maildir(for: user.name) + "/" + sub,
                                                        withIntermediateDirectories: true)
            }
        }
        let passwd = users.map { "\($0.name):{PLAIN}\($0.password)" }.joined(separator: "\n") + "\n"
        try passwd.write(toFile: directory.file("passwd"), atomically: true, encoding: .utf8)
    }

    public func maildir(for user: String) -> String { directory.file("mail/\(user)/Maildir") }

    public func start() throws {
        plainPort = try freeLoopbackPort()
        tlsPort = try freeLoopbackPort()
        try writeConfig()
        try handMailToNobody()
        process = try ChildProcess(ProcessRunner.which("dovecot") ?? "/usr/sbin/dovecot",
                                   ["-F", "-c", directory.file("dovecot.conf")],
                                   stderr: directory.file("dovecot.stderr"))
        do {
            try waitForListener(port: plainPort)
            try waitForListener(port: tlsPort)
        } catch {
            stop()
            throw TestSupportError("dovecot did not start; its log says:\n\(log)")
        }
    }

    /// Stops the server by its PID and waits for it to exit.
    public func stop() {
        process?.terminate()
        process = nil
    }

    public func restart() throws {
        stop()
        try start()
    }

    /// Stops the server and everything around it, and removes its directory.
    public func shutdown() {
        stop()
        oauth?.stop()
        directory.remove()
    }

    public var log: String { (try? String(contentsOfFile: directory.file("dovecot.log"), encoding: .utf8)) ?? "" }

    /// Dovecot's mail processes run as `nobody`; files a test writes must be theirs.
    public func handMailToNobody() throws {
        let result = try ProcessRunner.run("/bin/chown", ["-R", "nobody:nogroup", directory.file("mail")])
        guard result.status == 0 else { throw TestSupportError("chown failed: \(result.stderr)") }
    }

    private func writeConfig() throws {
        let d = directory.path
        var lines = [
            "base_dir = \(d)/run",
            "state_dir = \(d)/state",
            "log_path = \(d)/dovecot.log",
            "listen = 127.0.0.1",
            "protocols = pop3",
            "ssl = yes",
            "ssl_cert = <\(certificates.serverCertificate)",
            "ssl_key = <\(certificates.serverKey)",
            "disable_plaintext_auth = no",
            "auth_mechanisms = plain apop" + (oauth == nil ? "" : " xoauth2 oauthbearer"),
            // Without these two, every failed login delays the next ones from 127.0.0.1 by seconds.
            "auth_failure_delay = 0",
            "service anvil {\n  unix_listener anvil-auth-penalty {\n    mode = 0\n  }\n}",
            "mail_location = maildir:~/Maildir",
            "pop3_uidl_format = \(uidlFormat)",
            "service pop3-login {\n  inet_listener pop3 {\n    port = \(plainPort)\n  }\n"
                + "  inet_listener pop3s {\n    port = \(tlsPort)\n    ssl = yes\n  }\n}",
            "service imap-login {\n  inet_listener imap {\n    port = 0\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}",
            "passdb {\n  driver = passwd-file\n  args = \(d)/passwd\n  mechanisms = plain login apop\n}",
            "userdb {\n  driver = static\n  args = uid=nobody gid=nogroup home=\(d)/mail/%u\n}",
        ]
        if let oauth {
            lines.append("passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = \(oauth.configFile)\n}")
        }
        lines += extraConfig
        try FileManager.default.createDirectory(atPath: "\(d)/run", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(d)/state", withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(toFile: directory.file("dovecot.conf"), atomically: true, encoding: .utf8)
    }
}

/// A few lines of Python's http.server answering Dovecot's OAuth2 token introspection
/// (`introspection_mode = post`): `{"active": true, "username": …}` for a known token.
final class OAuthIntrospectionServer: Sendable {
    let configFile: String
    private let process: ChildProcess

    init(tokens: [String: String], directory: TemporaryDirectory) throws {
        let port = try freeLoopbackPort()
        let tokenFile = directory.file("oauth-tokens.json")
        let json = try JSONSerialization.data(withJSONObject: tokens)
        try json.write(to: URL(fileURLWithPath: tokenFile))
        let script = directory.file("introspect.py")
        try """
        import json, sys, urllib.parse
        from http.server import BaseHTTPRequestHandler, HTTPServer
        TOKENS = json.load(open(sys.argv[2]))
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                token = urllib.parse.parse_qs(body).get("token", [""])[0]
                user = TOKENS.get(token)
                answer = {"active": True, "username": user} if user else {"active": False}
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def log_message(self, *args):
                pass
        HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
        """.write(toFile: script, atomically: true, encoding: .utf8)
        configFile = directory.file("oauth2.conf")
        try """
        introspection_url = http://127.0.0.1:\(port)/introspect
        introspection_mode = post
        username_attribute = username
        active_attribute = active
        active_value = true
        """.write(toFile: configFile, atomically: true, encoding: .utf8)
        process = try ChildProcess(ProcessRunner.which("python3") ?? "/usr/bin/python3", [script, "\(port)", tokenFile],
                                   stderr: directory.file("introspect.stderr"))
        try waitForListener(port: port)
    }

    func stop() { process.terminate() }
}
