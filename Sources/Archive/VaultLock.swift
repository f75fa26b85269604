import Foundation

/// The exclusive writer lock of a vault: `flock` on `VAULT/lock`, holding "PID N on HOST". The
/// kernel drops the lock when its process dies, however it dies, so a stale lock is taken over
/// safely and a live one is never shared. The file is opened without following a symlink.
final class VaultLock: Sendable {
    private let fd: Int32

    init(root: String) throws {
        let path = root + "/lock"
        fd = try FileSafety.open(path, O_RDWR | O_CREAT)
        if let problem = FileSafety.fileProblem(path) {
            close(fd)
            throw ArchiveError.io("cannot use the lock file: \(problem)")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readHolder(fd)
            close(fd)
            throw ArchiveError.locked("vault \(root) is in use by \(holder); wait until it finishes "
                + "(a lock left by a process that died is taken over automatically)")
        }
        // Only for the message another process shows; the lock itself is the flock.
        let me = "PID \(getpid()) on \(Self.hostName())\n"
        let written = me.withCString { pwrite(fd, $0, strlen($0), 0) }
        if written > 0 { ftruncate(fd, off_t(written)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }

    /// Whether a writer holds the lock of `root` now (readers only ask; they never take it).
    static func isHeld(root: String) -> Bool {
        guard let fd = try? FileSafety.open(root + "/lock", O_RDONLY) else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_SH | LOCK_NB) == 0 else { return true }
        flock(fd, LOCK_UN)
        return false
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
