import Foundation

/// A vault's directory, checked, and for writing locked. A writer works only in a directory
/// this user owns that nobody else may write to (`FileSafety.directoryProblem`); a reader only
/// needs to read it, so it can read a copy owned by someone else or on a read-only mount.
public final class VaultDirectory: Sendable {
    public enum Access: Sendable {
        /// The writer lock is taken, the directories are checked, and crash recovery runs.
        case write
        /// Nothing is locked, created or changed.
        case read
    }

    public let root: String
    /// The vault's id from `vault.toml`.
    public let id: String
    public let access: Access
    /// The writer lock; nil for a reader.
    let lock: VaultLock?

    /// Checks `root/vault.toml` and, for writing, the directories, and takes the lock. With
    /// `create` (writers only), makes the vault in a new or empty directory first.
    public init(at root: String, create: Bool = false, access: Access = .write) throws {
        let root = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        self.root = root
        self.access = access
        let marker = root + "/vault.toml"
        if !FileSafety.exists(marker) {
            guard create, access == .write else {
                throw ArchiveError.notAVault("\(root) is not a popvault vault (no vault.toml); check `vault` in the config, "
                    + "or run `popvault run` once to create it")
            }
            try Self.make(root)
        }
        if access == .write {
            for directory in [root, root + "/segments"] {
                if let problem = FileSafety.directoryProblem(directory) { throw ArchiveError.unsafe(problem) }
            }
        }
        let (format, id) = try Self.readMarker(marker)
        guard format == Vault.formatVersion else {
            throw ArchiveError.unsupportedFormat("\(root) has vault format \(format); this popvault reads format \(Vault.formatVersion): upgrade popvault")
        }
        self.id = id
        lock = access == .write ? try VaultLock(root: root) : nil
    }

    /// Makes a vault in `root`, which must not exist or be an empty directory of this user.
    private static func make(_ root: String) throws {
        if FileSafety.exists(root) {
            if let problem = FileSafety.directoryProblem(root) { throw ArchiveError.unsafe(problem) }
            guard try FileSafety.names(in: root).isEmpty else {
                throw ArchiveError.notAVault("\(root) exists and is not empty, but holds no vault.toml: choose an empty or new directory")
            }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch {
                throw ArchiveError.io("cannot create the vault directory \(root): \((error as NSError).localizedDescription)")
            }
        }
        let fd = try FileSafety.open(root, O_RDONLY | O_DIRECTORY)
        fchmod(fd, 0o700)
        close(fd)
        guard mkdir(root + "/segments", 0o700) == 0 || errno == EEXIST else {
            throw ArchiveError.io("cannot create \(root)/segments: \(String(cString: strerror(errno)))")
        }
        let text = "# popvault vault. Format: FORMAT.md\nformat = \(Vault.formatVersion)\nid = \"\(UUID().uuidString.lowercased())\"\n"
        let marker = root + "/vault.toml"
        let temporary = marker + ".new"
        unlink(temporary)
        let file = try FileSafety.open(temporary, O_WRONLY | O_CREAT | O_EXCL)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
        let synced = fsync(file)
        close(file)
        guard written == bytes.count, synced == 0, rename(temporary, marker) == 0 else {
            throw ArchiveError.io("cannot write \(marker): \(String(cString: strerror(errno)))")
        }
        try fsyncDirectory(root)
    }

    private static func readMarker(_ path: String) throws -> (Int, String) {
        let bytes: [UInt8]
        do {
            bytes = try FileSafety.readSmallFile(path)
        } catch {
            throw ArchiveError.io("cannot read \(path): check that this user may read the vault's directory and its files (\(error))")
        }
        guard let marker = parseMarker(String(decoding: bytes, as: UTF8.self)) else {
            throw ArchiveError.corrupt("\(path) has no `format = N` line, so this popvault cannot tell whether it may read the vault; "
                + "restore vault.toml from a copy of the vault (FORMAT.md shows its lines)")
        }
        return marker
    }

    /// The `format` and `id` of `vault.toml`'s text, nil without a format.
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
