import ArgumentParser
import Foundation

/// `popvault`: back up POP3 mailboxes into a verifiable, compressed archive.
struct PopVault: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "popvault",
        abstract: "Back up POP3 mailboxes into a local, verifiable, compressed archive.",
        discussion: "Exit codes: 0 ok, 1 some accounts failed, 2 usage or config error, 3 the vault is damaged.",
        version: "0.2.0",
        subcommands: [InitCommand.self, CheckCommand.self, RunCommand.self, StatusCommand.self, VerifyCommand.self,
                      ReindexCommand.self, RestoreCommand.self, ExportCommand.self, SearchCommand.self, ShowCommand.self])
}

@main
enum Main {
    static func main() async {
        var code = ExitStatus.ok
        do {
            var command = try PopVault.parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            code = ExitStatus.code(for: error)
        }
        exit(ExitStatus.afterOutput(code))
    }
}
