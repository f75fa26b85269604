import Foundation

/// A vault's directory, checked and, for writing, locked: the first, quick half of opening a
/// vault (`Vault(directory:)` opens the index and recovers). Split so that `popvault run`
/// holds the lock before it connects to any server, yet opens the index while the sessions
/// log in.
public final class VaultDirectory: @unchecked Sendable {
    public let root: String
    /// The vault's id from `vault.toml`.
    public let id: String
    /// The writer lock; nil when opened only to look.
    let lock: VaultLock?

    /// Checks `root/vault.toml` (with `create`, makes the vault in a new or empty directory) and,
    /// with `exclusive`, takes the writer lock.
    public init(at root: String, create: Bool = false, exclusive: Bool = true) throws {
        let root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.root = root
        let manager = FileManager.default
        let marker = root + "/vault.toml"
        if !manager.fileExists(atPath: marker) {
            guard create else {
                throw ArchiveError.notAVault("\(root) is not a popvault vault (no vault.toml); check `vault` in the config, "
                    + "or run `popvault run` once to create it")
            }
            let contents = (try? manager.contentsOfDirectory(atPath: root)) ?? []
            guard contents.isEmpty else {
                throw ArchiveError.notAVault("\(root) exists and is not empty, but holds no vault.toml: choose an empty or new directory")
            }
            try Self.makeDirectory(root)
            try Self.makeDirectory(root + "/segments")
            let text = "# popvault vault. Format: FORMAT.md\nformat = \(Vault.formatVersion)\nid = \"\(UUID().uuidString.lowercased())\"\n"
            guard manager.createFile(atPath: marker, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ArchiveError.io("cannot write \(marker)")
            }
            try fsyncDirectory(root)
        }
        let (format, id) = try Self.readMarker(marker)
        guard format == Vault.formatVersion else {
            throw ArchiveError.unsupportedFormat("\(root) has vault format \(format); this popvault reads format \(Vault.formatVersion): upgrade popvault")
        }
        self.id = id
        lock = exclusive ? try VaultLock(root: root) : nil
        if !manager.fileExists(atPath: root + "/segments") { try Self.makeDirectory(root + "/segments") }
    }

    private static func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        chmod(path, 0o700)
    }

    private static func readMarker(_ path: String) throws -> (Int, String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ArchiveError.io("cannot read \(path): check that this user may read the vault's directory and its files")
        }
        guard let marker = parseMarker(text) else {
            throw ArchiveError.corrupt("\(path) has no `format = N` line, so this popvault cannot tell whether it may read the vault; "
                + "restore vault.toml from a copy of the vault (FORMAT.md shows its two lines)")
        }
        return marker
    }

    /// The `format` and `id` of `vault.toml`'s text, nil without a format. Trimmed without
    /// Foundation (`Substring.trimming`): its `trimmingCharacters` was 0.4 ms of a nightly run's
    /// way to its first connection (`perf`).
    static func parseMarker(_ text: String) -> (format: Int, id: String)? {
        var format: Int?
        var id = ""
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimming(\.isWhitespace)
            let value = line[line.index(after: equals)...].trimming(\.isWhitespace)
            if key == "format" { format = Int(value) }
            if key == "id" { id = String(value.trimming { $0 == "\"" }) }
        }
        return format.map { ($0, id) }
    }
}
