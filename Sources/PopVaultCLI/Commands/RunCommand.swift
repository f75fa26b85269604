import ArgumentParser
import Archive
import Backup
import Config
import Foundation

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Back up every account: fetch new mail into the vault, leaving it on the server.",
        discussion: "Exit code 0 when every account is fully archived, 1 when any failed or left messages behind.")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("account"), help: ArgumentHelp("Back up only this account (repeatable).", valueName: "name"))
    var accounts: [String] = []

    @Flag(help: "Log in and plan, but retrieve and write nothing.")
    var dryRun = false

    @Option(help: ArgumentHelp("Write the JSON report to this file too.", valueName: "file"))
    var report: String?

    @Option(help: ArgumentHelp("Write Prometheus metrics (node_exporter textfile format) to this file.", valueName: "file"))
    var metricsFile: String?

    @Option(help: ArgumentHelp("Accounts at once (default: `parallel` from the config).", valueName: "n"))
    var parallel: Int?

    func validate() throws {
        if let parallel, !Defaults.parallelRange.contains(parallel) {
            throw ValidationError("--parallel takes \(Defaults.parallelRange.lowerBound) to \(Defaults.parallelRange.upperBound)")
        }
    }

    func run() async throws {
        let config = try configOptions.load()
        let selected = try AccountSelection.select(accounts, from: config)
        let logger = LogSetup.logger(verbose: output.verbose, quiet: output.quiet)
        var settings = VaultSettings()
        settings.compressionLevel = Int32(config.defaults.compressionLevel)
        var defaults = config.defaults
        if let parallel { defaults.parallel = parallel }
        // In this order: the lock, the index (a vault that cannot be opened fails here, before
        // any connection), then the sessions. A dry run only reads the vault, if there is one.
        let vault = dryRun ? try Self.openForLooking(config.vault)
            : try Vault(at: config.vault, create: true, settings: settings, logger: logger)
        for file in (try? vault?.unknownSegmentFiles()) ?? [] {
            Terminal.error("warning: \(config.vault)/segments/\(file) is not known to the index; popvault leaves it alone "
                + "(see `popvault verify`)")
        }
        let stop = StopFlag()
        let trap = SignalTrap(stop: stop, grace: defaults.stopGraceSeconds)
        let display = Terminal.stderrIsTerminal && !output.quiet && !output.json ? ProgressDisplay() : nil
        let scheduler = try BackupScheduler(defaults: defaults, vault: vault, dryRun: dryRun, logger: logger, stop: stop,
                                            progress: { display?.update($0) })
        let result = await scheduler.run(selected)
        display?.clear()
        try await scheduler.finish()
        try vault?.close()
        withExtendedLifetime(trap) {}

        if let report { try OutputFile.write(Array((try Terminal.json(result) + "\n").utf8), to: report, mode: 0o600) }
        if let metricsFile {
            let ids = Dictionary(selected.map { ($0.name, $0.id) }, uniquingKeysWith: { first, _ in first })
            try OutputFile.write(Array(MetricsFile.render(result, accountIDs: ids).utf8), to: metricsFile, mode: 0o644)
        }
        if output.json {
            Terminal.out(try Terminal.json(result))
        } else {
            for account in result.accounts where !(output.quiet && account.result == .ok) {
                let text = Self.render(account, dryRun: dryRun)
                if account.result == .ok { Terminal.out(text) } else { Terminal.error(text) }
            }
        }
        if result.result != .ok { throw ExitCode(ExitStatus.accountsFailed) }
    }

    /// The vault for a dry run: opened to read if it exists, none if not yet.
    private static func openForLooking(_ root: String) throws -> Vault? {
        do {
            return try Vault(at: root, access: .read)
        } catch ArchiveError.notAVault {
            return nil
        }
    }

    static func render(_ report: AccountReport, dryRun: Bool) -> String {
        var line = "\(report.account): \(report.result.rawValue.uppercased())"
        if dryRun {
            line += ", would fetch \(report.planned) messages (\(ProgressDisplay.size(report.plannedBytes)))"
        } else {
            line += ", fetched \(report.fetched) (\(report.stored) new"
                + (report.duplicates > 0 ? ", \(report.duplicates) duplicates of content already archived" : "")
                + "), \(ProgressDisplay.size(report.bytes)) in \(String(format: "%.1f", report.durationSeconds)) s"
        }
        if let count = report.onServerMessages { line += "; \(count) on server, \(report.alreadyArchived) already archived" }
        var lines = [line]
        lines += report.skipped.map { "  skipped \($0.uidl): \($0.reason)" }
        lines += report.errors.map { "  error: \($0)" }
        if let advice = report.advice { lines.append("  what to do: \(advice)") }
        return lines.joined(separator: "\n")
    }
}
