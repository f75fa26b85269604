import ArgumentParser
import Backup
import Config
import Foundation

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Log in to every account and show what its server offers; changes nothing.")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("account"), help: ArgumentHelp("Check only this account (repeatable).", valueName: "name"))
    var accounts: [String] = []

    func run() async throws {
        let config = try configOptions.load()
        let selected = try AccountSelection.select(accounts, from: config)
        let logger = LogSetup.logger(verbose: output.verbose, quiet: output.quiet)
        var reports: [AccountCheckReport] = []
        for account in selected {
            reports.append(await AccountCheck.run(account, defaults: config.defaults, logger: logger))
        }
        if output.json {
            Terminal.out(try Terminal.json(reports))
        } else {
            for report in reports where !(output.quiet && report.ok && report.warnings.isEmpty) { Terminal.out(Self.render(report)) }
        }
        if reports.contains(where: { !$0.ok }) { throw ExitCode(ExitStatus.accountsFailed) }
    }

    static func render(_ report: AccountCheckReport) -> String {
        var lines = ["account \"\(report.account)\" (\(report.host):\(report.port)): \(report.ok ? "OK" : "FAILED")"]
        if let tls = report.tls {
            let dates = ISO8601DateFormatter()
            lines.append("  TLS:          \(tls.version)")
            lines.append("  certificate:  \(tls.subject)")
            lines.append("    issuer:     \(tls.issuer)")
            if !tls.alternativeNames.isEmpty { lines.append("    names:      \(tls.alternativeNames.joined(separator: ", "))") }
            lines.append("    valid:      \(dates.string(from: tls.notValidBefore)) to \(dates.string(from: tls.notValidAfter))")
            lines.append("    pin:        tls_fingerprint = \"\(tls.fingerprint ?? "?")\"")
        } else {
            lines.append("  TLS:          none")
        }
        if !report.capabilities.isEmpty {
            lines.append("  capabilities: \(report.capabilities.joined(separator: ", "))")
            lines.append("  PIPELINING \(yes(report.pipelining)), UIDL \(yes(report.uidl)), TOP \(yes(report.top)), "
                + "SASL \(report.sasl.isEmpty ? "none" : report.sasl.joined(separator: " ")), "
                + "EXPIRE \(report.expire ?? "-"), LOGIN-DELAY \(report.loginDelay ?? "-")")
            if let implementation = report.implementation { lines.append("  server:       \(implementation)") }
        }
        lines.append("  login:        \(report.authenticated ? "accepted" : "not done")")
        if let messages = report.messages, let bytes = report.bytes {
            lines.append("  mailbox:      \(messages) messages, \(bytes) bytes")
        }
        lines += report.warnings.map { "  warning:      \($0)" }
        if let error = report.error { lines.append("  error:        \(error)") }
        if let advice = report.advice { lines.append("  what to do:   \(advice)") }
        return lines.joined(separator: "\n")
    }

    private static func yes(_ flag: Bool) -> String { flag ? "yes" : "no" }
}
