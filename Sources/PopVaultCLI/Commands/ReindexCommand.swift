import ArgumentParser
import Archive

struct ReindexCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reindex",
        abstract: "Rebuild the index from the segments alone (into a new file, then swapped in).")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var vaultOptions: VaultOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let root = try vaultOptions.root(configOptions: configOptions)
        let summary = try Reindexer.rebuild(root: root)
        if output.json {
            Terminal.out(try Terminal.json(summary))
        } else if !output.quiet || !summary.damagedRegions.isEmpty {
            var lines = ["reindexed \(root): \(summary.segments) segments, \(summary.messages) messages, \(summary.mappings) mappings"]
            lines += summary.damagedRegions.map { "  skipped damaged bytes: \($0)" }
            Terminal.out(lines.joined(separator: "\n"))
        }
        if !summary.damagedRegions.isEmpty { throw ExitCode(ExitStatus.damage) }
    }
}
