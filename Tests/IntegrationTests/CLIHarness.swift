import Foundation
import TestSupport

/// Runs the real `popvault` binary, built beside the test bundle.
enum CLIHarness {
    static var binary: String { BuiltProducts.path(of: "popvault") }

    static func run(_ arguments: [String], environment extra: [String: String] = [:]) throws -> ProcessResult {
        var environment = ProcessInfo.processInfo.environment
        environment.merge(extra) { $1 }
        return try ProcessRunner.run(binary, arguments, environment: environment)
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
