import Foundation
import Logging

/// How a vault writes. `compressionLevel` is igzip's (1–3); 1, the default, compresses mail
/// (mostly base64 attachments, which deflate barely shrinks) as small as 3 does, faster
/// (see `scripts/bench vault`).
public struct VaultSettings: Sendable {
    public var segmentSizeLimit: Int64 = 256 * 1024 * 1024
    public var compressionLevel: Int32 = 1
    /// A batch is committed when it reaches any of these.
    public var batchMessages = 500
    public var batchBytes = 64 * 1024 * 1024
    public var batchSeconds: Double = 5

    public init() {}
}

/// A vault directory (FORMAT.md): `vault.toml`, `index.sqlite`, `segments/`. Opening one for
/// writing takes the exclusive lock and recovers what a crashed writer left behind.
public final class Vault: @unchecked Sendable {
    public static let formatVersion = 1

    public let root: String
    public let index: VaultIndex
    public let settings: VaultSettings
    public let id: String
    let logger: Logger
    let claims = ContentClaims()
    private let lock: VaultLock?

    public var segmentsDirectory: String { root + "/segments" }
    public var indexPath: String { root + "/index.sqlite" }

    /// Opens (and with `create`, makes) the vault. `exclusive` takes the writer lock and runs
    /// crash recovery; readers that only look (status, search) pass false.
    public init(at root: String, create: Bool = false, exclusive: Bool = true, settings: VaultSettings = VaultSettings(),
                logger: Logger = Logger(label: "popvault.vault")) throws {
        let root = root.hasSuffix("/") && root.count > 1 ? String(root.dropLast()) : root
        self.root = root
        self.settings = settings
        self.logger = logger
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
            let text = "# popvault vault. Format: FORMAT.md\nformat = \(Self.formatVersion)\nid = \"\(UUID().uuidString.lowercased())\"\n"
            guard manager.createFile(atPath: marker, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ArchiveError.io("cannot write \(marker)")
            }
            try fsyncDirectory(root)
        }
        let (format, id) = try Self.readMarker(marker)
        guard format == Self.formatVersion else {
            throw ArchiveError.unsupportedFormat("\(root) has vault format \(format); this popvault reads format \(Self.formatVersion): upgrade popvault")
        }
        self.id = id
        lock = exclusive ? try VaultLock(root: root) : nil
        if !manager.fileExists(atPath: root + "/segments") { try Self.makeDirectory(root + "/segments") }
        index = try VaultIndex(path: root + "/index.sqlite")
        if exclusive {
            try Recovery(vault: self).run()
        }
    }

    public func makeWriter() throws -> VaultWriter {
        guard lock != nil else { throw ArchiveError.locked("the vault was opened read-only") }
        return try VaultWriter(vault: self)
    }

    func segmentPath(_ name: String) -> String { segmentsDirectory + "/" + name }

    private static func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        chmod(path, 0o700)
    }

    private static func readMarker(_ path: String) throws -> (Int, String) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ArchiveError.io("cannot read \(path)") }
        var format: Int?
        var id = ""
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { continue }
            if parts[0] == "format" { format = Int(parts[1]) }
            if parts[0] == "id" { id = parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        }
        guard let format else { throw ArchiveError.corrupt("\(path) has no format version") }
        return (format, id)
    }
}
