import ArgumentParser
import Config

/// DESIGN §8: 0 ok, 1 some accounts failed, 2 usage or config error, 3 verify found damage.
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
        let message = PopVault.fullMessage(for: error)
        let code = PopVault.exitCode(for: error)
        if code == .success {
            Terminal.out(message)
            return ok
        }
        Terminal.error(message)
        return code == .validationFailure ? usage : code.rawValue
    }
}
