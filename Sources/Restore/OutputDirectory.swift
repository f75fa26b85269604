import Foundation

/// A directory restore and export write into, held open and used only through its file
/// descriptor: subdirectories and files are made with the `*at` calls and `O_NOFOLLOW`, from
/// names popvault derives (content hashes, checked account ids), so nothing can be written
/// outside it, whatever a vault holds or anyone places in the directory meanwhile.
final class OutputDirectory: Sendable {
    let path: String
    let fd: Int32

    /// The directory the user named, made (with its parents, mode 0700) if missing.
    init(creating path: String) throws {
        if !FileManager.default.fileExists(atPath: path) {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw RestoreError.output("cannot create \(path): \((error as NSError).localizedDescription)")
            }
        }
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw RestoreError.output("cannot open \(path): \(String(cString: strerror(errno)))") }
        (self.path, self.fd) = (path, fd)
    }

    /// A subdirectory `name` (one path component), made if missing; a symlink is refused.
    init(inside parent: OutputDirectory, named name: String) throws {
        guard !name.isEmpty, !name.contains("/"), !name.contains("\0"), name != ".", name != ".." else {
            throw RestoreError.output("\"\(name)\" cannot name a directory inside \(parent.path)")
        }
        path = parent.path + "/" + name
        if mkdirat(parent.fd, name, 0o700) != 0 && errno != EEXIST {
            throw RestoreError.output("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        let fd = openat(parent.fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            throw RestoreError.output("cannot open \(path): "
                + (errno == ELOOP || errno == ENOTDIR ? "it is a symbolic link or not a directory, and restore writes only into real directories"
                   : String(cString: strerror(errno))))
        }
        self.fd = fd
    }

    deinit { close(fd) }

    /// The names in the directory.
    func names() throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: path)
        } catch {
            throw RestoreError.output("cannot list \(path): \((error as NSError).localizedDescription)")
        }
    }

    /// Writes the bytes `fill` hands over into a new temporary file in this directory, with
    /// the modification time `time`, and starts its write-out; `FileBatch` fsyncs it and moves
    /// it into place. If `fill` throws, the file is removed and nothing is left.
    func stageFile(_ temporaryName: String, time: Int64,
                   fill: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws -> (fd: Int32, written: Int) {
        let file = openat(fd, temporaryName, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard file >= 0 else {
            throw RestoreError.output("cannot create \(path)/\(temporaryName): \(String(cString: strerror(errno)))")
        }
        var written = 0
        do {
            try fill { bytes in
                guard let base = bytes.baseAddress else { return }
                var offset = 0
                while offset < bytes.count {
                    let count = write(file, base + offset, bytes.count - offset)
                    if count < 0 && errno == EINTR { continue }
                    guard count > 0 else { throw RestoreError.output("cannot write \(path)/\(temporaryName): \(String(cString: strerror(errno)))") }
                    offset += count
                }
                written += bytes.count
            }
            var times = [timespec(tv_sec: time_t(time), tv_nsec: 0), timespec(tv_sec: time_t(time), tv_nsec: 0)]
            _ = futimens(file, &times)
        } catch {
            close(file)
            unlinkat(fd, temporaryName, 0)
            throw error
        }
        return (file, written)
    }

    /// Removes a file of this directory (never what a symlink points to).
    func remove(_ name: String) {
        unlinkat(fd, name, 0)
    }

    /// fsync of the directory, so that the files renamed into it survive a crash.
    func sync() throws {
        guard fsync(fd) == 0 else { throw RestoreError.output("cannot fsync \(path): \(String(cString: strerror(errno)))") }
    }
}

/// A problem writing what restore or export produce.
public enum RestoreError: Error, CustomStringConvertible, Sendable {
    case output(String)

    public var description: String {
        switch self {
        case .output(let message): return message
        }
    }
}
