import ArgumentParser
import Config

enum AccountSelection {
    /// The accounts named by `--account` (all when none is named); an unknown name is a usage error.
    static func select(_ names: [String], from config: PopVaultConfig) throws -> [AccountConfig] {
        guard !names.isEmpty else { return config.accounts }
        return try names.map { name in
            guard let account = config.account(named: name) else {
                let known = config.accounts.map { "\"\($0.name)\"" }.joined(separator: ", ")
                throw ValidationError("no account named \"\(name)\" in \(config.file) (accounts: \(known))")
            }
            return account
        }
    }
}
