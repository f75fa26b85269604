import ArgumentParser
import Config

/// `--config FILE`, shared by every command that reads the configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The configuration file.",
        discussion: "Default: $POPVAULT_CONFIG, then ~/.config/popvault/popvault.toml.", valueName: "file"))
    var config: String?

    /// Loads and validates the configuration. Its warnings (a config others may write, a
    /// password file others may read) go to stderr even with `--quiet`: in a cron job they are
    /// exactly what should reach someone.
    func load() throws -> PopVaultConfig {
        let loaded = try ConfigLoader.load(explicit: config)
        for warning in loaded.warnings { Terminal.error("warning: \(warning)") }
        return loaded.config
    }
}

/// `--json`, `--quiet` and `-v`, shared by the commands that print results.
struct OutputOptions: ParsableArguments {
    @Flag(name: .long, help: "Print the result as JSON on stdout.")
    var json = false

    @Flag(name: [.short, .long], help: "Print only errors and warnings (for cron: no mail unless something is wrong).")
    var quiet = false

    @Flag(name: .short, help: "More log detail on stderr (-vv: every command sent, secrets redacted).")
    var verbose: Int
}
