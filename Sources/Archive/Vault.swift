import Foundation
import Logging

/// How a vault writes. `compressionLevel` is igzip's (1–3); 1, the default, compresses mail
/// (mostly base64 attachments, which deflate barely shrinks) nearly as small as 3 does, faster.
public struct VaultSettings: Sendable {
    public var segmentSizeLimit: Int64 = 256 * 1024 * 1024
    public var compressionLevel: Int32 = 1
    /// A batch is committed when it reaches any of these.
    public var batchMessages = 500
    public var batchBytes = 64 * 1024 * 1024
    public var batchSeconds: Double = 5

    public init() {}
}

/// A vault directory (FORMAT.md): `vault.toml`, `index.sqlite`, `segments/`. Opened for
/// writing, it holds the writer lock and has recovered what a crashed writer left behind;
/// opened for reading, it changes nothing on disk.
public final class Vault: Sendable {
    public static let formatVersion = 1

    public let root: String
    public let index: VaultIndex
    public let settings: VaultSettings
    public let id: String
    public let access: VaultDirectory.Access
    let logger: Logger
    /// Holds the writer lock for as long as the vault is open.
    private let directory: VaultDirectory

    public var segmentsDirectory: String { root + "/segments" }
    public var indexPath: String { root + "/index.sqlite" }

    /// Opens the vault (with `create`, makes it first). For `.write` the lock is taken and
    /// crash recovery runs; `.read` is for the commands that only look.
    public init(at root: String, create: Bool = false, access: VaultDirectory.Access = .write,
                settings: VaultSettings = VaultSettings(), logger: Logger = Logger(label: "popvault.vault")) throws {
        directory = try VaultDirectory(at: root, create: create, access: access)
        self.root = directory.root
        self.id = directory.id
        self.access = access
        self.settings = settings
        self.logger = logger
        index = try VaultIndex(path: directory.root + "/index.sqlite", vaultRoot: directory.root,
                               readOnly: access == .read, writerActive: access == .read && VaultLock.isHeld(root: directory.root))
        if access == .write {
            for note in try Recovery(vault: self).run() {
                logger.notice("\(note)")
            }
        }
    }

    /// Closes the index; with the writer's access, its WAL is moved into `index.sqlite` first,
    /// so that the file alone holds every committed row. The vault is not used afterwards.
    public func close() throws {
        try index.close()
    }

    public func makeWriter() throws -> VaultWriter {
        guard access == .write else { throw ArchiveError.locked("the vault was opened read-only") }
        return VaultWriter(vault: self)
    }

    /// The path of a segment the index names; a name not of the segment pattern (a damaged or
    /// tampered index) is refused, so that no path outside `segments/` is ever opened.
    func segmentPath(_ name: String) throws -> String {
        guard SegmentName.id(of: name) != nil else {
            throw ArchiveError.corrupt("the index names a segment \"\(name)\", which is not a segment file name; run `popvault reindex`")
        }
        return segmentsDirectory + "/" + name
    }

    /// Files in `segments/` the index does not record: never touched by popvault, reported by
    /// `verify` and `run`, and set aside only by `popvault reindex --quarantine`.
    public func unknownSegmentFiles() throws -> [String] {
        let known = Set(try index.segments().map(\.name))
        return try FileSafety.names(in: segmentsDirectory).filter { !known.contains($0) }.sorted()
    }
}
