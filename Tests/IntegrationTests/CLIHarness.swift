import Foundation
import TestSupport

/// Runs the real `popvault` binary, built beside the test bundle, as an ordinary user
/// (`TestUser`): every file it is given must be that user's, or readable by it.
enum CLIHarness {
    static var binary: String { BuiltProducts.path(of: "popvault") }

    static func run(_ arguments: [String], environment extra: [String: String] = [:], input: Data? = nil) throws -> ProcessResult {
        try TestUser.run(binary, arguments, environment: environment(extra), input: input)
    }

    /// The tests' environment with `extra`, for a run of the binary.
    static func environment(_ extra: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { $1 }
        return environment
    }

    /// Starts the binary as the test user without waiting for it (the crash and stop tests).
    static func start(_ arguments: [String], environment extra: [String: String] = [:], stdout: String, stderr: String) throws -> ChildProcess {
        let (program, words) = TestUser.command(binary, arguments)
        return try ChildProcess(program, words, stdout: stdout, stderr: stderr, environment: environment(extra))
    }

    /// A config for accounts on a test Dovecot; each account's password comes from an environment variable.
    static func config(vault: String, server: DovecotServer, accounts: [(name: String, user: String, passwordVariable: String)],
                       tls: String = "implicit", extra: String = "") -> String {
        var text = "vault = \"\(vault)\"\n\(extra)\n"
        for account in accounts {
            text += """
            [[account]]
            name = "\(account.name)"
            host = "localhost"
            port = \(tls == "implicit" ? server.tlsPort : server.plainPort)
            tls = "\(tls)"
            ca_file = "\(server.certificates.caCertificate)"
            user = "\(account.user)"
            password_env = "\(account.passwordVariable)"

            """
        }
        return text
    }
}
