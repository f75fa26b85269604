import Foundation

/// Writes a file the user named (`--report`, `--metrics-file`) so that a reader never sees half
/// of it and nothing else is touched: a new temporary file beside it (created exclusively, not
/// through a symlink, with the final mode), written, synced, then renamed over the old one.
enum OutputFile {
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        var (directory, base) = (".", path)
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
            base = String(path[path.index(after: slash)...])
        }
        var fd: Int32 = -1
        var temporary = ""
        for _ in 0..<16 {
            temporary = directory + "/.\(base).\(UInt32.random(in: 0...UInt32.max)).tmp"
            fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
            if fd >= 0 || errno != EEXIST { break }
        }
        guard fd >= 0 else { throw OutputFileError(path: path, reason: String(cString: strerror(errno))) }
        fchmod(fd, mode)
        var offset = 0
        var failure: String?
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written <= 0 {
                failure = String(cString: strerror(errno))
                break
            }
            offset += written
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil && rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw OutputFileError(path: path, reason: failure)
        }
    }
}

struct OutputFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "cannot write \(path): \(reason)" }
}
