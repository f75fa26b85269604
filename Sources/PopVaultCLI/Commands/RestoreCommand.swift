import ArgumentParser
import Archive
import Foundation
import Restore

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Write archived messages into Maildirs that any mail client opens.",
        discussion: """
            One --account: DIR is that account's Maildir. Otherwise DIR gets a Maildir per account, named by \
            the account's id. Files are named by their content hash, so restoring again writes nothing twice, \
            even after the messages were read and moved. A damaged message is named and skipped (exit 3). \
            Reads the vault only: it works beside a running backup and on a read-only copy.
            """)

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var vaultOptions: VaultOptions
    @OptionGroup var filters: FilterOptions
    @OptionGroup var output: OutputOptions

    @Option(name: .customLong("to"), help: ArgumentHelp("The directory to restore into (made if missing).", valueName: "dir"))
    var directory: String

    @Flag(help: "Deliver into cur/, flagged seen, instead of new/.")
    var seen = false

    @Flag(help: "List what would be written; write nothing.")
    var dryRun = false

    func run() throws {
        let vault = try Vault(at: try vaultOptions.root(configOptions: configOptions), access: .read)
        let messages = try filters.select(in: vault)
        var options = MaildirRestore.Options(directory: directory)
        options.seen = seen
        options.dryRun = dryRun
        options.singleAccount = filters.accounts.count == 1
        let showProgress = Terminal.stderrIsTerminal && !output.quiet && !output.json
        let summary = try MaildirRestore(vault: vault, options: options).run(messages) { done, total in
            if showProgress { Terminal.progress("restoring \(done)/\(total) messages") }
        }
        if showProgress { Terminal.progress(nil) }
        if output.json {
            Terminal.out(try Terminal.json(summary))
        } else if dryRun {
            for delivery in summary.deliveries {
                Terminal.out("would write \(delivery.path)  \(delivery.date ?? "-")  \(delivery.from ?? "-")  \(delivery.subject ?? "-")")
            }
            Terminal.out("would restore \(summary.deliveries.count) messages into \(directory)")
        } else if !output.quiet || !summary.damaged.isEmpty {
            Terminal.out("restored into \(directory) (\(summary.maildirs.count) Maildir\(summary.maildirs.count == 1 ? "" : "s")): "
                + "\(summary.written) written, \(summary.alreadyPresent) already there, \(summary.damaged.count) damaged; "
                + "\(ProgressDisplay.size(summary.bytes)) in \(String(format: "%.1f", summary.seconds)) s")
        }
        for failure in summary.damaged {
            Terminal.error("damaged message \(failure.contentHash) not restored: \(failure.reason)")
        }
        if !summary.damaged.isEmpty { throw ExitCode(ExitStatus.damage) }
    }
}
