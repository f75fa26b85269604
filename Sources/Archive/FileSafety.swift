import Foundation

/// How the vault touches its own files, so that nobody who can place a file or a symlink in
/// its way can make popvault write elsewhere: every open refuses a symlink (`O_NOFOLLOW`), and
/// a writer works only in directories this user owns that nobody else may write to.
enum FileSafety {
    /// `open(2)` with `O_NOFOLLOW | O_CLOEXEC`; the error names the path and the reason.
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws -> Int32 {
        let fd = Foundation.open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode)
        guard fd >= 0 else {
            let reason = errno == ELOOP ? "it is a symbolic link, which popvault does not follow" : String(cString: strerror(errno))
            throw ArchiveError.io("cannot open \(path): \(reason)")
        }
        return fd
    }

    /// `close(2)`, for types whose own `close` hides it.
    static func close(_ fd: Int32) {
        _ = Foundation.close(fd)
    }

    /// What is wrong with `path` as a directory a writer may use, or nil: it must be a real
    /// directory (not a symlink), owned by this user, and not writable by group or others.
    static func directoryProblem(_ path: String) -> String? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return "\(path): \(String(cString: strerror(errno)))" }
        if status.st_mode & S_IFMT == S_IFLNK { return "\(path) is a symbolic link; name the real directory instead" }
        guard status.st_mode & S_IFMT == S_IFDIR else { return "\(path) is not a directory" }
        if status.st_uid != geteuid() {
            return "\(path) belongs to user id \(status.st_uid), not to this user (\(geteuid())); "
                + "run popvault as the vault's owner, or give the vault to this user"
        }
        if status.st_mode & 0o022 != 0 {
            return "\(path) can be written by others (mode \(String(status.st_mode & 0o7777, radix: 8))): chmod 700 it"
        }
        return nil
    }

    /// What is wrong with `path` as a file of the vault a writer may change, or nil: a regular
    /// file (not a symlink) owned by this user.
    static func fileProblem(_ path: String) -> String? {
        var status = stat()
        guard lstat(path, &status) == 0 else { return "\(path): \(String(cString: strerror(errno)))" }
        if status.st_mode & S_IFMT == S_IFLNK { return "\(path) is a symbolic link" }
        guard status.st_mode & S_IFMT == S_IFREG else { return "\(path) is not a regular file" }
        if status.st_uid != geteuid() { return "\(path) belongs to user id \(status.st_uid), not to this user" }
        return nil
    }

    /// Whether `path` exists (a symlink counts, even a dangling one).
    static func exists(_ path: String) -> Bool {
        var status = stat()
        return lstat(path, &status) == 0
    }

    /// The names in a directory; an error (not an empty list) when it cannot be read.
    static func names(in directory: String) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw ArchiveError.io("cannot list \(directory): \((error as NSError).localizedDescription)")
        }
    }

    /// The whole of a small file, read without following a symlink; at most `limit` bytes.
    static func readSmallFile(_ path: String, limit: Int = 64 * 1024) throws -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit + 1)
        var total = 0
        while total <= limit {
            let got = bytes[total...].withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if got < 0 { throw ArchiveError.io("cannot read \(path): \(String(cString: strerror(errno)))") }
            if got == 0 { break }
            total += got
        }
        guard total <= limit else { throw ArchiveError.corrupt("\(path) is larger than \(limit) bytes; it is not the file popvault wrote") }
        return Array(bytes[..<total])
    }
}

/// fsync of a directory, so that a file created or renamed in it survives a crash.
func fsyncDirectory(_ path: String) throws {
    let fd = try FileSafety.open(path, O_RDONLY | O_DIRECTORY)
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw ArchiveError.io("cannot fsync directory \(path): \(String(cString: strerror(errno)))") }
}

/// Segment file names: six or more digits (the segment's number) and `.mbox.gz`.
public enum SegmentName {
    public static func make(_ id: Int64) -> String {
        let digits = String(id)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".mbox.gz"
    }

    /// The number a well-formed name carries, nil for any other name.
    public static func id(of name: String) -> Int64? {
        guard name.hasSuffix(".mbox.gz") else { return nil }
        let digits = name.dropLast(".mbox.gz".count)
        guard digits.count >= 6, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        guard let id = Int64(digits), id > 0, make(id) == name else { return nil }
        return id
    }
}
