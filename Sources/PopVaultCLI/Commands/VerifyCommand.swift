import ArgumentParser
import Archive
import Config
import Foundation

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the vault: segments and index agree (quick), or every message re-read and re-hashed (--full).",
        discussion: "Changes nothing. Exits 3 when anything is damaged or left unfinished, naming each damaged message.")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var vaultOptions: VaultOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Inflate and re-hash every message.")
    var full = false

    @Option(help: ArgumentHelp("Check only messages of this account.", valueName: "name"))
    var account: String?

    @Option(help: ArgumentHelp("With --full, check a random PCT percent of the messages.", valueName: "pct"))
    var subset: Double?

    func run() throws {
        let root = try vaultOptions.root(configOptions: configOptions)
        let vault = try Vault(at: root, access: .read, logger: LogSetup.logger(verbose: output.verbose, quiet: output.quiet))
        let accountID = account.map(AccountIdentifier.make(from:))
        let progress = Terminal.stderrIsTerminal && !output.quiet && !output.json
        let report = try Verifier(vault: vault).run(full: full, account: accountID, subsetPercent: subset) { done, total in
            if progress && done % 200 == 0 { Terminal.progress("verifying \(done)/\(total) messages") }
        }
        if progress { Terminal.progress(nil) }
        if output.json {
            Terminal.out(try Terminal.json(report))
        } else if !(output.quiet && report.ok) {
            Terminal.out(Self.render(report))
        }
        if !report.ok { throw ExitCode(ExitStatus.damage) }
    }

    static func render(_ report: VerifyReport) -> String {
        var lines = ["\(report.full ? "full" : "quick") verify: \(report.segmentsChecked) segments, \(report.messagesChecked) messages"
            + (report.full ? ", \(report.bytesChecked) compressed bytes read" : "")
            + ": " + (report.ok ? "OK" : "DAMAGE FOUND")]
        for problem in report.segmentProblems { lines.append("  segment \(problem)") }
        for damaged in report.damagedMessages {
            lines.append("  damaged message \(damaged.contentHash.prefix(16))… in \(damaged.segment) at offset \(damaged.offset): \(damaged.reason)")
            lines.append("    account \(damaged.accounts.joined(separator: ", ")), UIDL \(damaged.uidls.joined(separator: ", "))")
            lines.append("    Date: \(damaged.date ?? "-")  Subject: \(damaged.subject ?? "-")")
        }
        if !report.ok {
            lines.append("Other messages are unaffected and can still be restored. A damaged message that is still on the "
                + "server is fetched again if you remove it from the index with `popvault reindex` and run again.")
        }
        return lines.joined(separator: "\n")
    }
}
