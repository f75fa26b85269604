import Foundation

/// Finds, reads and checks `popvault.toml`: `--config FILE`, then `$POPVAULT_CONFIG`, then
/// `~/.config/popvault/popvault.toml`. Checks what only the file system can tell (CA file
/// readable, password file permissions) and returns warnings beside the config.
public enum ConfigLoader {
    public struct Loaded: Sendable {
        public let config: PopVaultConfig
        public let warnings: [String]
    }

    public static func locate(explicit: String?) -> String {
        if let explicit { return explicit }
        if let fromEnvironment = EnvironmentVariable.value("POPVAULT_CONFIG"), !fromEnvironment.isEmpty { return fromEnvironment }
        let home = EnvironmentVariable.value("HOME") ?? NSHomeDirectory()
        return home + "/.config/popvault/popvault.toml"
    }

    public static func load(explicit: String?) throws -> Loaded {
        let path = locate(explicit: explicit)
        guard let data = FileManager.default.contents(atPath: path) else {
            let exists = FileManager.default.fileExists(atPath: path)
            throw ConfigErrors(errors: [ConfigError(file: path, message: exists
                ? "cannot read the file (check its permissions)"
                : "no such file; create one with `popvault init --config \(path)`, or name another with --config")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigErrors(errors: [ConfigError(file: path, message: "the file is not UTF-8 text")])
        }
        var config = try ConfigParser.parse(text, file: path)
        let base = directory(of: path)
        config.vault = resolve(config.vault, against: base)
        config.policiesDirectory = config.policiesDirectory.map { resolve($0, against: base) }
        var errors: [ConfigError] = []
        var warnings: [String] = []
        for (index, account) in config.accounts.enumerated() {
            if let caFile = account.caFile {
                let resolved = resolve(caFile, against: base)
                config.accounts[index].caFile = resolved
                if !FileManager.default.isReadableFile(atPath: resolved) {
                    errors.append(ConfigError(file: path, keyPath: "account[\(index)].ca_file",
                                              message: "cannot read \(resolved): name a PEM file holding the CA certificate"))
                }
            }
            if case .passwordFile(let file) = account.secret {
                let resolved = resolve(file, against: base)
                config.accounts[index].secret = .passwordFile(resolved)
                if let mode = permissions(resolved), mode & 0o077 != 0 {
                    warnings.append("\(resolved) (password of account \"\(account.name)\") can be read by others "
                        + "(mode \(String(mode, radix: 8))): chmod 600 it")
                }
            }
        }
        if let mode = permissions(path), mode & 0o022 != 0 {
            warnings.append("\(path) can be written by others (mode \(String(mode, radix: 8))): anyone who can edit it "
                + "can run commands as you through password_command; chmod 600 it")
        }
        guard errors.isEmpty else { throw ConfigErrors(errors: errors) }
        return Loaded(config: config, warnings: warnings)
    }

    static func resolve(_ path: String, against base: String) -> String {
        let expanded = path.hasPrefix("~") ? (path as NSString).expandingTildeInPath : path
        return expanded.hasPrefix("/") ? expanded : base + "/" + expanded
    }

    /// The directory that holds `path`, absolute (a relative path is taken from the working
    /// directory).
    static func directory(of path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        guard let slash = absolute.lastIndex(of: "/"), slash != absolute.startIndex else { return "/" }
        return String(absolute[..<slash])
    }

    /// The mode bits, by `stat` (FileManager's attributes also look up the owner's names).
    private static func permissions(_ path: String) -> Int? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return Int(status.st_mode & 0o7777)
    }
}
