import Foundation

/// Fetches an account's secret from where the config says. Errors name the account and the
/// key, never the secret or a command's output.
public enum SecretResolver {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static func resolve(_ account: AccountConfig) throws -> String {
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
            return try run(command, label: label)
        }
    }

    /// The first line, without its line end (as mpop's passwordeval and getmail do).
    private static func firstLine(_ data: Data) -> String {
        let text = String(decoding: data, as: UTF8.self)
        return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
    }

    private static func run(_ command: String, label: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw Failure(description: "\(label): cannot start /bin/sh: \(error)")
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(label): the command exited with status \(process.terminationStatus)")
        }
        let secret = firstLine(data)
        guard !secret.isEmpty else { throw Failure(description: "\(label): the command printed nothing") }
        return secret
    }
}
