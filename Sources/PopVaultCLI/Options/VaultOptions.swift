import ArgumentParser
import Archive
import Config

/// `--vault DIR` overrides the config's `vault`, so that the vault's own commands work without
/// a config (on a copy of a vault, say).
struct VaultOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The vault directory (default: `vault` from the config).", valueName: "dir"))
    var vault: String?

    func root(configOptions: ConfigOptions) throws -> String {
        if let vault { return vault }
        return try configOptions.load().vault
    }
}
