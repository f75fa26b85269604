import Archive
import Foundation

/// `popvault export --format mbox`: the selected messages as one mboxrd file (or standard
/// output), streamed. Each message is read back checked; a damaged one is left out and named,
/// and what was already written of it is taken back: a file is cut back to where the message
/// began; on standard output, which cannot be cut, a message is held whole first (up to
/// `heldLimit`, larger ones are checked in a first pass and written in a second).
public struct MboxExport {
    public static let heldLimit = 32 << 20

    public struct Summary: Codable, Sendable {
        public var written = 0
        public var bytes = 0
        public var damaged: [MaildirRestore.Failure] = []
    }

    public let vault: Vault

    public init(vault: Vault) { self.vault = vault }

    /// Writes to `path`, a new file (an existing one is refused), or standard output for `-`.
    public func run(_ messages: [SelectedMessage], to path: String) throws -> Summary {
        let toStandardOutput = path == "-"
        let fd = toStandardOutput ? 1 : open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw RestoreError.output("cannot create \(path): \(String(cString: strerror(errno)))"
                + (errno == EEXIST ? " (export writes a new file; choose another name)" : ""))
        }
        defer { if !toStandardOutput { close(fd) } }
        let sink = FileSink(fd: fd, path: path)
        let reader = try MessageReader(vault: vault)
        var summary = Summary()
        for message in messages {
            let record = message.record
            var quoter = MboxrdQuoter()
            var quoted: [UInt8] = []
            func entry(_ write: ([UInt8]) throws -> Void) throws {
                try write(Array(MboxSeparator.line(time: Int(record.archivedAt)).utf8))
                try reader.read(record) { bytes in
                    quoted.removeAll(keepingCapacity: true)
                    quoter.quote(bytes, into: &quoted)
                    try write(quoted)
                }
                quoted.removeAll(keepingCapacity: true)
                quoter.finish(into: &quoted)
                try write(quoted + [10])
            }
            do {
                if !toStandardOutput {
                    let start = lseek(fd, 0, SEEK_CUR)
                    do {
                        try entry(sink.write)
                    } catch let error as ArchiveError {
                        ftruncate(fd, start)
                        lseek(fd, start, SEEK_SET)
                        throw error
                    }
                } else if record.canonicalLength <= Int64(Self.heldLimit) {
                    var held: [UInt8] = []
                    try entry { held += $0 }
                    try sink.write(held)
                } else {
                    try reader.read(record) { _ in }
                    try entry(sink.write)
                }
                summary.written += 1
                summary.bytes += Int(clamping: record.canonicalLength)
            } catch let error as ArchiveError {
                summary.damaged.append(MaildirRestore.Failure(contentHash: record.contentHash, reason: "\(error)"))
            }
        }
        if !toStandardOutput && fsync(fd) != 0 { throw RestoreError.output("cannot fsync \(path): \(String(cString: strerror(errno)))") }
        return summary
    }
}

/// `popvault export --format eml`: one `HASH.eml` file per message in a directory, each written
/// through a temporary file and renamed, and left alone if it is there already.
public struct EMLExport {
    public let vault: Vault

    public init(vault: Vault) { self.vault = vault }

    public func run(_ messages: [SelectedMessage], to path: String) throws -> MboxExport.Summary {
        let directory = try OutputDirectory(creating: path)
        let existing = Set(try directory.names())
        let reader = try MessageReader(vault: vault)
        var summary = MboxExport.Summary()
        let batch = FileBatch()
        for message in messages {
            let record = message.record
            let name = record.contentHash + ".eml"
            guard !existing.contains(name) else { continue }
            do {
                summary.bytes += try batch.add(name, in: directory, staging: directory, temporaryName: ".\(record.contentHash).\(getpid()).tmp",
                                               time: record.effectiveTime) { write in
                    try reader.read(record) { try write($0) }
                }
                summary.written += 1
            } catch let error as ArchiveError {
                summary.damaged.append(MaildirRestore.Failure(contentHash: record.contentHash, reason: "\(error)"))
            }
        }
        try batch.flush()
        return summary
    }
}

/// Writes whole buffers to a file descriptor.
struct FileSink {
    let fd: Int32
    let path: String

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let count = Foundation.write(fd, base + offset, raw.count - offset)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw RestoreError.output("cannot write \(path): \(String(cString: strerror(errno)))") }
                offset += count
            }
        }
    }
}
