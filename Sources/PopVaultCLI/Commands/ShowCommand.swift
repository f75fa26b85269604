import ArgumentParser
import Archive

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print one archived message as it was received (ID: 6 or more hex digits of its id).",
        discussion: "A damaged message is not printed (exit 3).")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var vaultOptions: VaultOptions

    @Argument(help: "The message's id (content hash), or its first 6 or more hex digits.")
    var id: String

    @Flag(help: "Only the header, up to the first empty line.")
    var headers = false

    func validate() throws {
        guard id.count >= 6, id.count <= 64, id.lowercased().allSatisfy({ $0.isHexDigit && $0.isASCII }) else {
            throw ValidationError("an id is 6 to 64 hex digits of a message's content hash (see `popvault search`), not \"\(id)\"")
        }
    }

    func run() throws {
        let vault = try Vault(at: try vaultOptions.root(configOptions: configOptions), access: .read)
        let matches = try vault.index.messages(withHashPrefix: id.lowercased(), limit: 2)
        guard let message = matches.first else {
            Terminal.error("no message with id \(id)")
            throw ExitCode(ExitStatus.accountsFailed)
        }
        guard matches.count == 1 else {
            let count = try vault.index.messages(withHashPrefix: id.lowercased(), limit: 1_000_000).count
            Terminal.error("ambiguous: \(count) messages have ids starting \(id); give more digits")
            throw ExitCode(ExitStatus.usage)
        }
        var bytes: [UInt8] = []
        do {
            try MessageReader(vault: vault).read(message) { bytes.append(contentsOf: $0) }
        } catch let error as ArchiveError {
            Terminal.error("message \(message.contentHash) is damaged: \(error)")
            throw ExitCode(ExitStatus.damage)
        }
        if headers, let end = HeaderEnd.offset(in: bytes) { bytes.removeSubrange(end...) }
        bytes.withUnsafeBytes { Terminal.writeRaw($0) }
    }
}

/// Where a message's header ends: after the first empty line (LF LF), or its end.
enum HeaderEnd {
    static func offset(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 2 else { return nil }
        for index in 1..<bytes.count where bytes[index] == 10 && bytes[index - 1] == 10 { return index + 1 }
        return nil
    }
}
