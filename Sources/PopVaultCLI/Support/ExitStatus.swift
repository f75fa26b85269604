import Archive
import ArgumentParser
import Config

/// 0 ok, 1 some accounts failed (or results could not be written), 2 usage or configuration
/// error, 3 the vault is damaged.
enum ExitStatus {
    static let ok: Int32 = 0
    static let accountsFailed: Int32 = 1
    static let usage: Int32 = 2
    static let damage: Int32 = 3

    /// Reports `error` on the right stream and returns the exit code for it.
    static func code(for error: Error) -> Int32 {
        if let exit = error as? ExitCode { return exit.rawValue }
        if let errors = error as? ConfigErrors {
            Terminal.error("configuration error:\n" + errors.errors.map { "  \($0)" }.joined(separator: "\n"))
            return usage
        }
        if let archive = error as? ArchiveError {
            Terminal.error("error: \(archive)")
            switch archive {
            case .badRequest: return usage
            case .corrupt: return damage
            default: return accountsFailed
            }
        }
        let message = PopVault.fullMessage(for: error)
        let code = PopVault.exitCode(for: error)
        if code == .success {
            Terminal.out(message)
            return ok
        }
        Terminal.error(message)
        return code == .validationFailure ? usage : code.rawValue
    }

    /// The exit code of a command that finished with `code`, unless its results could not be
    /// written to stdout: that is reported, and the exit code is 1 at least.
    static func afterOutput(_ code: Int32) -> Int32 {
        guard let failure = Terminal.outputFailure else { return code }
        Terminal.error("error: cannot write the results to standard output: \(failure)")
        return code == ok ? accountsFailed : code
    }
}
