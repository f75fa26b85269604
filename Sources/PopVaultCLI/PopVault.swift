import ArgumentParser
import Backup
import Foundation

/// `popvault`: back up POP3 mailboxes into a verifiable, compressed archive.
struct PopVault: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "popvault",
        abstract: "Back up POP3 mailboxes into a local, verifiable, compressed archive.",
        discussion: "Exit codes: 0 ok, 1 some accounts failed, 2 usage or config error, 3 verify found damage.",
        version: "0.1.0",
        subcommands: [InitCommand.self, CheckCommand.self, RunCommand.self, StatusCommand.self, VerifyCommand.self, ReindexCommand.self])
}

@main
enum Main {
    static func main() async {
        // Before parsing: the event loops start on the other core meanwhile. A command that
        // connects nowhere leaves two idle threads behind, and nothing else.
        BackupScheduler.startNetworking()
        do {
            var command = try PopVault.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // Reported the way argument-parser would, but with DESIGN §8's exit codes.
            exit(ExitStatus.code(for: error))
        }
    }
}
