import ArgumentParser
import Archive
import Restore

struct ExportCommand: ParsableCommand {
    enum Format: String, ExpressibleByArgument, CaseIterable { case mbox, eml }

    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write archived messages as one mboxrd file (or stdout) or as .eml files in a directory.",
        discussion: "A damaged message is named and left out (exit 3). Reads the vault only.")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var vaultOptions: VaultOptions
    @OptionGroup var filters: FilterOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "mbox (one mboxrd file) or eml (a file per message).")
    var format: Format = .mbox

    @Option(name: .customLong("to"), help: ArgumentHelp("A new file for mbox (- for standard output), a directory for eml.", valueName: "path"))
    var path: String

    func run() throws {
        let vault = try Vault(at: try vaultOptions.root(configOptions: configOptions), access: .read)
        let messages = try filters.select(in: vault)
        let summary = format == .mbox ? try MboxExport(vault: vault).run(messages, to: path) : try EMLExport(vault: vault).run(messages, to: path)
        for failure in summary.damaged {
            Terminal.error("damaged message \(failure.contentHash) left out: \(failure.reason)")
        }
        if path != "-" {
            if output.json {
                Terminal.out(try Terminal.json(summary))
            } else if !output.quiet {
                Terminal.out("exported \(summary.written) messages (\(ProgressDisplay.size(summary.bytes))) to \(path)")
            }
        }
        if !summary.damaged.isEmpty { throw ExitCode(ExitStatus.damage) }
    }
}
