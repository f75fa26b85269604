import ArgumentParser
import Archive

struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the index from the segments alone (into a new file, then swapped in).",
        discussion: "Files in segments/ that are not this user's segment files are left where they are and listed; "
            + "--quarantine moves them, and segment files with no intact message, into VAULT/quarantine/.")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var vaultOptions: VaultOptions
    @OptionGroup var output: OutputOptions

    @Flag(help: "Move files of segments/ that cannot be indexed into VAULT/quarantine/.")
    var quarantine = false

    func run() throws {
        let root = try vaultOptions.root(configOptions: configOptions)
        let summary = try Reindexer.rebuild(root: root, quarantine: quarantine)
        if output.json {
            Terminal.out(try Terminal.json(summary))
        } else if !output.quiet || !summary.damagedRegions.isEmpty || !summary.skippedFiles.isEmpty {
            var lines = ["reindexed \(root): \(summary.segments) segments, \(summary.messages) messages, \(summary.mappings) mappings"]
            lines += summary.damagedRegions.map { "  skipped damaged bytes: \($0)" }
            lines += summary.skippedFiles.map { "  not indexed: \($0)" }
            lines += summary.quarantined.map { "  moved to quarantine/: \($0)" }
            Terminal.out(lines.joined(separator: "\n"))
        }
        if !summary.damagedRegions.isEmpty || (!summary.skippedFiles.isEmpty && !quarantine) { throw ExitCode(ExitStatus.damage) }
    }
}
