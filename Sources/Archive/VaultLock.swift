import Foundation

/// The exclusive writer lock of a vault: `flock` on `VAULT/lock`, holding "PID HOST". The
/// kernel drops the lock when its process dies, however it dies, so a stale lock is taken over
/// safely and a live one is never shared.
final class VaultLock {
    private let fd: Int32

    init(root: String) throws {
        let path = root + "/lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ArchiveError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readHolder(fd)
            close(fd)
            throw ArchiveError.locked("vault \(root) is in use by \(holder); wait until it finishes "
                + "(a lock left by a process that died is taken over automatically)")
        }
        // Only for the message another process shows; the lock is the flock, so no fsync. The
        // line is written over the last holder's and the file then cut to it, never emptied
        // first: emptying frees the file's block, and on a file system mounted with `discard`
        // ftruncate then waits for the device to trim it (0.4 ms median, up to 4 ms, measured
        // on a nightly run's way to its first connection).
        let me = "PID \(getpid()) on \(Self.hostName())\n"
        let written = me.withCString { pwrite(fd, $0, strlen($0), 0) }
        if written > 0 { ftruncate(fd, off_t(written)) }
    }

    /// Leaves the holder's line: it is read only while another process holds the lock, and that
    /// process writes its own right after taking it (a reader in between names the last holder).
    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// The kernel's node name (`ProcessInfo.hostName` may ask DNS for the canonical name).
    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "this host" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func readHolder(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = pread(fd, &buffer, buffer.count, 0)
        let text = count > 0 ? String(decoding: buffer.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : ""
        return text.isEmpty ? "another process" : text
    }
}
