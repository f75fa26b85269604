import ArgumentParser
import Archive
import Config

/// `--vault DIR` overrides the config's `vault`, so maintenance commands work without a config.
struct VaultOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The vault directory (default: `vault` from the config).", valueName: "dir"))
    var vault: String?

    func root(configOptions: ConfigOptions) throws -> String {
        if let vault { return vault }
        return try configOptions.load(quiet: true).vault
    }
}
