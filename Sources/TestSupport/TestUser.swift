import Foundation

/// The ordinary user the tests run `popvault` as. Users never run it as root, and root hides
/// bugs (root may set any socket option, read any file, write any directory), so when the
/// tests themselves run as root (they need it for Dovecot, whose master starts its login and
/// mail processes as other users), every run of the binary drops to `nobody` with `setpriv`,
/// in files that `nobody` owns. Run as an ordinary user, the tests run popvault as that user.
public enum TestUser {
    public static var isRoot: Bool { geteuid() == 0 }

    /// `nobody`'s ids when the tests run as root; the current user's otherwise.
    public static let ids: (uid: uid_t, gid: gid_t) = {
        guard isRoot, let entry = getpwnam("nobody") else { return (geteuid(), getegid()) }
        return (entry.pointee.pw_uid, entry.pointee.pw_gid)
    }()

    /// The program and arguments that run `executable` as the test user.
    public static func command(_ executable: String, _ arguments: [String]) -> (String, [String]) {
        guard isRoot else { return (executable, arguments) }
        return ("/usr/bin/setpriv", ["--reuid=\(ids.uid)", "--regid=\(ids.gid)", "--clear-groups", "--inh-caps=-all", "--",
                                     executable] + arguments)
    }

    /// Runs `executable` as the test user to completion.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                           input: Data? = nil) throws -> ProcessResult {
        let (program, words) = command(executable, arguments)
        return try ProcessRunner.run(program, words, environment: environment, input: input)
    }

    /// Gives `path`, and everything under it, to the test user.
    public static func own(_ path: String) throws {
        guard isRoot else { return }
        let result = try ProcessRunner.run("/bin/chown", ["-R", "\(ids.uid):\(ids.gid)", path])
        guard result.status == 0 else { throw TestSupportError("chown \(path) failed: \(result.stderr)") }
    }
}
