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
        if let parallel, !(1...64).contains(parallel) { throw ValidationError("--parallel takes 1 to 64") }
    }

    func run() async throws {
        let config = try configOptions.load(quiet: output.quiet)
        let selected = try AccountSelection.select(accounts, from: config)
        let lookups = BackupScheduler.lookUpHosts(of: selected)
        let logger = LogSetup.logger(verbose: output.verbose, quiet: output.quiet)
        var settings = VaultSettings()
        settings.compressionLevel = Int32(config.defaults.compressionLevel)
        var defaults = config.defaults
        if let parallel { defaults.parallel = parallel }
        // The lock before any connection; then the first accounts' connections begin, and once
        // one is up the index opens, while the servers accept them and the sessions log in.
        let directory = try VaultDirectory(at: config.vault, create: true)
        let early = BackupScheduler.connectEarly(selected, defaults: defaults, lookups: lookups)
        let vault = VaultOpening(opening: directory, settings: settings, logger: logger,
                                 after: { await BackupScheduler.firstConnected(early) })
        let stop = StopFlag()
        let trap = SignalTrap(stop: stop)
        let display = Terminal.stderrIsTerminal && !output.quiet && !output.json ? ProgressDisplay() : nil
        var scheduler = BackupScheduler(defaults: defaults, vault: vault, logger: logger, stop: stop, dryRun: dryRun,
                                        progress: { display?.update($0) })
        scheduler.lookups = lookups
        scheduler.early = early
        let result = await scheduler.run(selected)
        display?.clear()
        _ = try await vault.vault  // a vault that could not be opened fails the run with its own error
        // Closed by the scheduler after the last account's record (an interrupted run leaves
        // that to the process's end); never deallocated, see ProcessLifetime.
        ProcessLifetime.keep(vault)
        withExtendedLifetime(trap) {}

        if let report { try MetricsFile.write(try Terminal.json(result) + "\n", to: report) }
        if let metricsFile {
            let ids = Dictionary(selected.map { ($0.name, $0.id) }, uniquingKeysWith: { first, _ in first })
            try MetricsFile.write(MetricsFile.render(result, accountIDs: ids), to: metricsFile)
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

    static func render(_ report: AccountReport, dryRun: Bool) -> String {
        var line = "\(report.account): \(report.result.rawValue.uppercased())"
        if dryRun {
            line += ", would fetch \(report.planned) messages (\(ProgressDisplay.size(report.plannedBytes)))"
        } else {
            line += ", fetched \(report.fetched) (\(report.stored) new, \(report.reidentified) re-identified), "
                + "\(ProgressDisplay.size(report.bytes)) in \(String(format: "%.1f", report.durationSeconds)) s"
        }
        if let count = report.onServerMessages { line += "; \(count) on server, \(report.alreadyArchived) already archived" }
        var lines = [line]
        lines += report.skipped.map { "  skipped \($0.uidl): \($0.reason)" }
        lines += report.errors.map { "  error: \($0)" }
        if let advice = report.advice { lines.append("  what to do: \(advice)") }
        return lines.joined(separator: "\n")
    }
}
