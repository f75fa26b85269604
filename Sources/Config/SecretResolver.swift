import Foundation

/// Fetches an account's secret from where the config says. Errors name the account and the
/// key, never the secret or a command's output.
public enum SecretResolver {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The secret. A `password_command` or `token_command` runs on a thread of its own and is
    /// awaited, so a slow one never holds a Swift concurrency thread; it is killed, with all
    /// it started, after `timeoutSeconds`.
    public static func resolve(_ account: AccountConfig, timeoutSeconds: Int) async throws -> String {
        let label = "account \"\(account.name)\", \(account.secret.key)"
        switch account.secret {
        case .passwordEnvironment(let variable):
            guard let value = EnvironmentVariable.value(variable), !value.isEmpty else {
                throw Failure(description: "\(label): the environment variable \(variable) is not set")
            }
            return value
        case .passwordFile(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Failure(description: "\(label): cannot read \(path)")
            }
            return firstLine(data)
        case .passwordCommand(let command), .tokenCommand(let command):
            let output = try await withCheckedThrowingContinuation { continuation in
                let thread = Thread {
                    continuation.resume(with: Result {
                        try SecretCommand.run(command, timeoutSeconds: Double(timeoutSeconds), label: label)
                    })
                }
                thread.name = "popvault-secret"
                thread.start()
            }
            let secret = firstLine(output)
            guard !secret.isEmpty else { throw Failure(description: "\(label): the command printed nothing") }
            return secret
        }
    }

    /// The first line, without its line end (as mpop's passwordeval and getmail do).
    static func firstLine(_ data: Data) -> String {
        let text = String(decoding: data, as: UTF8.self)
        return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
    }
}

/// Runs a secret command (`/bin/sh -c`) and returns what it printed. Blocking: call it on a
/// thread of its own. The command gets the default signal handling (popvault ignores SIGINT
/// and SIGTERM itself, which a child would otherwise inherit), no standard input, and a
/// process group of its own, which is killed whole when the command takes longer than the
/// timeout or prints more than `maximumOutput` bytes: a `pass` or `gpg` waiting for a
/// passphrase on a terminal that a cron job does not have cannot hold up the night.
enum SecretCommand {
    static let maximumOutput = 64 * 1024

    /// Held from making a pipe until the child that needs it has started, so that two
    /// commands started at once never inherit each other's pipe.
    private static let spawning = NSLock()

    static func run(_ command: String, timeoutSeconds: Double, label: String) throws -> Data {
        spawning.lock()
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else {
            spawning.unlock()
            throw SecretResolver.Failure(description: "\(label): cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        defer { close(readEnd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        let words: [String] = ["/bin/sh", "-c", command]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { arguments.forEach { free($0) } }
        var child: pid_t = 0
        let spawned = posix_spawn(&child, "/bin/sh", &actions, &attributes, arguments, environ)
        close(writeEnd)
        spawning.unlock()
        guard spawned == 0 else {
            throw SecretResolver.Failure(description: "\(label): cannot start /bin/sh: \(String(cString: strerror(spawned)))")
        }
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var failure: String?
        reading: while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else {
                failure = "the command did not finish within \(Int(timeoutSeconds)) s and was stopped "
                    + "(is it waiting for a passphrase? raise secret_timeout, or make it work without a terminal)"
                break
            }
            var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(min(remaining, 1) * 1000) + 1)
            if ready < 0 && errno != EINTR { failure = "cannot read its output: \(String(cString: strerror(errno)))"; break }
            guard ready > 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            switch count {
            case 0: break reading
            case ..<0 where errno == EINTR || errno == EAGAIN: continue
            case ..<0: failure = "cannot read its output: \(String(cString: strerror(errno)))"; break reading
            default:
                output.append(contentsOf: buffer[0..<count])
                if output.count > maximumOutput {
                    failure = "the command printed more than \(maximumOutput) bytes"
                    break reading
                }
            }
        }
        let status = waitForExit(child, until: failure == nil ? deadline : Date())
        if let failure { throw SecretResolver.Failure(description: "\(label): \(failure)") }
        guard let status else {
            throw SecretResolver.Failure(description: "\(label): the command did not exit within \(Int(timeoutSeconds)) s and was stopped")
        }
        guard status == 0 else { throw SecretResolver.Failure(description: "\(label): the command exited with status \(status)") }
        return output
    }

    /// The child's exit status (-1 if a signal ended it), or nil if it had to be killed at `deadline`.
    private static func waitForExit(_ child: pid_t, until deadline: Date) -> Int32? {
        var status: Int32 = 0
        while true {
            let done = waitpid(child, &status, WNOHANG)
            if done == child { return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1 }
            if done < 0 && errno != EINTR { return -1 }
            if Date() >= deadline {
                kill(-child, SIGKILL)
                waitpid(child, &status, 0)
                return nil
            }
            usleep(5_000)
        }
    }
}
