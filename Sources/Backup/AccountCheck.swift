import Config
import Foundation
import Logging
import POP3
import POP3Core

/// What `popvault check` learned about one account.
public struct AccountCheckReport: Sendable, Codable {
    public var account: String
    public var host: String
    public var port: Int
    public var ok: Bool
    public var tls: CertificateReport?
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
    public var warnings: [String] = []
    public var error: String?
    public var errorCategory: String?
    public var advice: String?
}

/// The TLS session and the server's certificate, as an administrator reads them.
public struct CertificateReport: Sendable, Codable {
    public var version: String
    public var subject: String
    public var issuer: String
    public var alternativeNames: [String]
    public var notValidBefore: Date
    public var notValidAfter: Date
    /// SHA-256 of the certificate, in the form `tls_fingerprint` takes.
    public var fingerprint: String?
}

/// Logs in to an account and reports what the server offers; changes nothing on the server.
public enum AccountCheck {
    /// A certificate that expires within this many days is warned about.
    public static let expiryWarningDays = 14

    public static func run(_ account: AccountConfig, defaults: Defaults, logger: Logger, now: Date = Date()) async -> AccountCheckReport {
        var report = AccountCheckReport(account: account.name, host: account.host, port: account.port, ok: false)
        var client: POP3Client?
        do {
            let connected = try await POP3Client.connect(to: EndpointFactory.endpoint(for: account, defaults: defaults), logger: logger)
            client = connected
            record(connected, into: &report, now: now)
            let secret = try await SecretResolver.resolve(account, timeoutSeconds: defaults.secretTimeoutSeconds)
            try await connected.login(EndpointFactory.credentials(for: account, secret: secret),
                                      method: EndpointFactory.authMethod(for: account),
                                      allowPlaintextAuth: account.allowPlaintextAuth)
            report.authenticated = true
            record(connected, into: &report, now: now)
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

    private static func record(_ client: POP3Client, into report: inout AccountCheckReport, now: Date) {
        if report.tls == nil, let info = client.tlsInfo {
            let certificate = CertificateReport(version: info.version, subject: info.subject, issuer: info.issuer,
                                                alternativeNames: info.alternativeNames,
                                                notValidBefore: Date(timeIntervalSince1970: TimeInterval(info.notValidBefore)),
                                                notValidAfter: Date(timeIntervalSince1970: TimeInterval(info.notValidAfter)),
                                                fingerprint: info.fingerprint)
            report.tls = certificate
            let daysLeft = Int(certificate.notValidAfter.timeIntervalSince(now) / 86_400)
            if certificate.notValidAfter < now {
                report.warnings.append("the server's certificate expired on \(certificate.notValidAfter)")
            } else if daysLeft < expiryWarningDays {
                report.warnings.append("the server's certificate expires in \(daysLeft) days (\(certificate.notValidAfter)); "
                    + "if you pin it with tls_fingerprint, update the pin when it is renewed")
            }
        }
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
