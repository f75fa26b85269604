import Foundation

/// A long-running child (a server) started with `posix_spawn`, an empty signal mask and default
/// signal handlers. Foundation's `Process` passes on the spawning thread's mask, and the threads
/// Swift concurrency runs on block most signals, so a server started from a test would ignore
/// SIGTERM and never reap its own children. Stopped by PID with `terminate()`.
/// `@unchecked`: whether it was reaped, and how it exited, are set by whichever call reaps it;
/// a test uses one child from one task.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    private var exited = false

    public init(_ executable: String, _ arguments: [String], stdout: String = "/dev/null", stderr: String = "/dev/null",
                environment: [String: String]? = nil) throws {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp: [UnsafeMutablePointer<CChar>?]? = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        var child: pid_t = 0
        let status = envp.map { posix_spawn(&child, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard status == 0 else { throw TestSupportError("cannot start \(executable): \(String(cString: strerror(status)))") }
        pid = child
    }

    private var exitStatus: Int32 = -1

    public var isRunning: Bool {
        guard !exited else { return false }
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == pid { reaped(status) }
        return !exited
    }

    /// Waits for the child to exit; returns its exit status (-1 if a signal ended it).
    @discardableResult
    public func waitForExit() -> Int32 {
        guard !exited else { return exitStatus }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        reaped(status)
        return exitStatus
    }

    private func reaped(_ status: Int32) {
        exited = true
        exitStatus = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace` seconds; reaps the child.
    public func terminate(grace: Double = 10) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while isRunning && Date() < deadline { usleep(20_000) }
        if isRunning {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            exited = true
        }
    }
}
