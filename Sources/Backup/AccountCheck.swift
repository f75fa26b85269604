import Config
import Logging
import POP3
import POP3Core

/// What `popvault check` learned about one account.
public struct AccountCheckReport: Sendable, Codable {
    public var account: String
    public var host: String
    public var port: Int
    public var ok: Bool
    public var tlsVersion: String?
    public var certificateSubject: String?
    public var certificateSHA256: String?
    public var capabilities: [String] = []
    public var pipelining = false
    public var uidl = false
    public var top = false
    public var sasl: [String] = []
    public var expire: String?
    public var loginDelay: String?
    public var implementation: String?
    public var authenticated = false
    public var messages: Int?
    public var bytes: Int?
    public var error: String?
    public var errorCategory: String?
    public var advice: String?
}

/// Logs in to an account and reports what the server offers; changes nothing on the server.
public enum AccountCheck {
    public static func run(_ account: AccountConfig, defaults: Defaults, logger: Logger) async -> AccountCheckReport {
        var report = AccountCheckReport(account: account.name, host: account.host, port: account.port, ok: false)
        var client: POP3Client?
        do {
            let connected = try await POP3Client.connect(to: EndpointFactory.endpoint(for: account, defaults: defaults), logger: logger)
            client = connected
            record(connected, into: &report)
            let secret = try SecretResolver.resolve(account)
            try await connected.login(EndpointFactory.credentials(for: account, secret: secret),
                                      method: EndpointFactory.authMethod(for: account),
                                      allowPlaintextAuth: account.allowPlaintextAuth)
            report.authenticated = true
            record(connected, into: &report)
            let stat = try await connected.stat()
            report.messages = stat.count
            report.bytes = stat.size
            try await connected.quit()
            report.ok = true
        } catch {
            await client?.abandon()
            report.error = "\(error)"
            report.errorCategory = (error as? POP3Error)?.category ?? "config"
            report.advice = FailureAdvice.advice(for: error, account: account)
        }
        return report
    }

    private static func record(_ client: POP3Client, into report: inout AccountCheckReport) {
        report.tlsVersion = client.tlsInfo?.version
        report.certificateSubject = client.tlsInfo?.certificateSubject
        report.certificateSHA256 = client.tlsInfo?.fingerprint
        // Capabilities before login (STLS, SASL) and after it (PIPELINING on some servers) both count.
        let capabilities = client.capabilities
        for line in capabilities.lines where !report.capabilities.contains(line) { report.capabilities.append(line) }
        if report.sasl.isEmpty { report.sasl = capabilities.saslMechanisms }
        report.pipelining = report.pipelining || capabilities.pipelining
        report.uidl = report.uidl || capabilities.has("UIDL")
        report.top = report.top || capabilities.has("TOP")
        report.expire = capabilities.expire
        report.loginDelay = capabilities.loginDelay
        report.implementation = capabilities.implementation
    }
}
