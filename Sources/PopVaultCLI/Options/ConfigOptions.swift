import ArgumentParser
import Config

/// `--config FILE`, shared by every command that reads the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file.",
        discussion: "Default: $POPVAULT_CONFIG, then ~/.config/popvault/popvault.toml.", valueName: "file"))
    var config: String?

    /// Loads and validates the configuration, printing warnings to stderr.
    func load(quiet: Bool = false) throws -> PopVaultConfig {
        let loaded = try ConfigLoader.load(explicit: config)
        if !quiet {
            for warning in loaded.warnings { Terminal.error("warning: \(warning)") }
        }
        return loaded.config
    }
}

/// `--json`, `--quiet` and `-v`, shared by the commands that print results.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the result as JSON on stdout.")
    var json = false

    @Flag(name: [.short, .long], help: "Print only errors (for cron: no mail unless something is wrong).")
    var quiet = false

    @Flag(name: .short, help: "More log detail on stderr (-vv: every command sent, secrets redacted).")
    var verbose: Int
}
