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
    /// Holds the writer lock for as long as the vault is open.
    private let directory: VaultDirectory

    public var segmentsDirectory: String { root + "/segments" }
    public var indexPath: String { root + "/index.sqlite" }

    /// Opens (and with `create`, makes) the vault. `exclusive` takes the writer lock and runs
    /// crash recovery; readers that only look (status, search) pass false.
    public convenience init(at root: String, create: Bool = false, exclusive: Bool = true, settings: VaultSettings = VaultSettings(),
                            logger: Logger = Logger(label: "popvault.vault")) throws {
        try self.init(directory: VaultDirectory(at: root, create: create, exclusive: exclusive), settings: settings, logger: logger)
    }

    /// Opens the index of a checked directory and, if it holds the writer lock, recovers and
    /// moves a large WAL into the database file (`VaultIndex.checkpointLargeWAL`).
    public init(directory: VaultDirectory, settings: VaultSettings = VaultSettings(), logger: Logger = Logger(label: "popvault.vault")) throws {
        self.directory = directory
        root = directory.root
        id = directory.id
        self.settings = settings
        self.logger = logger
        index = try VaultIndex(path: root + "/index.sqlite")
        if directory.lock != nil {
            try Recovery(vault: self).run()
            try index.checkpointLargeWAL()
        }
    }

    /// Closes the index (see `VaultIndex.close`); the vault is not used afterwards.
    public func close() throws {
        try index.close()
    }

    public func makeWriter() throws -> VaultWriter {
        guard directory.lock != nil else { throw ArchiveError.locked("the vault was opened read-only") }
        return try VaultWriter(vault: self)
    }

    func segmentPath(_ name: String) -> String { segmentsDirectory + "/" + name }
}
