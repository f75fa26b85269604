import Foundation

/// Files written into a staging directory and not yet in place. A flush fsyncs each, renames
/// each into its directory, then fsyncs those directories: a file is in place only once its
/// bytes are on disk, and a crash leaves whole files or leftovers in the staging directory.
///
/// Flushing many files together lets the file system write them out together: each file's
/// write-out starts when it is staged, so by the flush most fsyncs find little left to do. An
/// fsync right after each file cost a journal commit per message.
final class FileBatch {
    private struct Staged {
        let fd: Int32
        let staging: OutputDirectory
        let temporaryName: String
        let target: OutputDirectory
        let name: String
    }

    static let maximumFiles = 64
    static let maximumBytes = 32 << 20

    private var staged: [Staged] = []
    private var bytes = 0

    /// Writes a file that `flush` moves to `target/name`; flushes when the batch is full.
    /// Returns the bytes written.
    func add(_ name: String, in target: OutputDirectory, staging: OutputDirectory, temporaryName: String, time: Int64,
             fill: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws -> Int {
        let (fd, written) = try staging.stageFile(temporaryName, time: time, fill: fill)
        staged.append(Staged(fd: fd, staging: staging, temporaryName: temporaryName, target: target, name: name))
        bytes += written
        if staged.count >= Self.maximumFiles || bytes >= Self.maximumBytes { try flush() }
        return written
    }

    /// Puts every staged file in place, durably.
    func flush() throws {
        guard !staged.isEmpty else { return }
        let files = staged
        staged.removeAll()
        bytes = 0
        defer { for file in files { close(file.fd) } }
        for (index, file) in files.enumerated() where fsync(file.fd) != 0 {
            let reason = String(cString: strerror(errno))
            for left in files[index...] { unlinkat(left.staging.fd, left.temporaryName, 0) }
            throw RestoreError.output("cannot fsync \(file.staging.path)/\(file.temporaryName): \(reason)")
        }
        var targets: [ObjectIdentifier: OutputDirectory] = [:]
        for (index, file) in files.enumerated() {
            guard renameat(file.staging.fd, file.temporaryName, file.target.fd, file.name) == 0 else {
                let reason = String(cString: strerror(errno))
                for left in files[index...] { unlinkat(left.staging.fd, left.temporaryName, 0) }
                throw RestoreError.output("cannot move \(file.temporaryName) into \(file.target.path): \(reason)")
            }
            targets[ObjectIdentifier(file.target)] = file.target
        }
        for target in targets.values { try target.sync() }
    }

    /// Files never flushed (an error ended the restore) are removed.
    deinit {
        for file in staged {
            close(file.fd)
            unlinkat(file.staging.fd, file.temporaryName, 0)
        }
    }
}
