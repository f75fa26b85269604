import ArgumentParser
import Config
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Write a commented sample configuration file.")

    @OptionGroup var configOptions: ConfigOptions

    @Option(help: ArgumentHelp("The archive directory to put in the sample.", valueName: "dir"))
    var vault: String = "~/popvault-archive"

    @Flag(help: "Overwrite an existing file.")
    var force = false

    func run() throws {
        let path = ConfigLoader.locate(explicit: configOptions.config)
        if FileManager.default.fileExists(atPath: path) && !force {
            Terminal.error("\(path) already exists; edit it, or pass --force to replace it")
            throw ExitCode(ExitStatus.usage)
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        guard FileManager.default.createFile(atPath: path, contents: Data(SampleConfig.text(vault: vault).utf8),
                                             attributes: [.posixPermissions: 0o600]) else {
            Terminal.error("cannot write \(path): check that the directory is writable")
            throw ExitCode(ExitStatus.usage)
        }
        Terminal.out("wrote \(path); edit the [[account]] section, then run `popvault check`")
    }
}
