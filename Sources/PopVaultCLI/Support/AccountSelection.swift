import ArgumentParser
import Archive
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

    /// The ids of the accounts named by `--account` in a vault's index (by name or id), so that
    /// the commands that read a vault work without a config.
    static func ids(of names: [String], in vault: Vault) throws -> [String] {
        guard !names.isEmpty else { return [] }
        let accounts = try vault.index.accounts()
        return try names.map { name in
            guard let account = accounts.first(where: { $0.name == name || $0.id == name }) else {
                let known = accounts.map { "\"\($0.name)\"" }.joined(separator: ", ")
                throw ValidationError("the vault has no account named \"\(name)\" (it has \(known.isEmpty ? "none" : known))")
            }
            return account.id
        }
    }
}
