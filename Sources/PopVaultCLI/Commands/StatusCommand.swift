import ArgumentParser
import Archive
import Config
import Foundation

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Per account: last run, its result, what is archived and what was on the server.")

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var output: OutputOptions

    struct AccountStatus: Codable {
        var account: String
        var lastRunStarted: Date?
        var lastRunFinished: Date?
        var lastResult: String?
        var lastError: String?
        var archivedMessages: Int
        var archivedBytes: Int64
        var onServerAtLastRun: Int?
        var onServerBytesAtLastRun: Int64?
    }

    func run() throws {
        let config = try configOptions.load()
        guard FileManager.default.fileExists(atPath: config.vault + "/vault.toml") else {
            Terminal.error("no vault at \(config.vault) yet: run `popvault run` first")
            throw ExitCode(ExitStatus.accountsFailed)
        }
        let vault = try Vault(at: config.vault, access: .read)
        let runs = Dictionary(try vault.index.lastRuns().map { ($0.accountId, $0) }, uniquingKeysWith: { first, _ in first })
        let totals = try vault.index.accountTotals()
        let statuses = config.accounts.map { account -> AccountStatus in
            let run = runs[account.id]
            let total = totals[account.id]
            return AccountStatus(account: account.name,
                                 lastRunStarted: run.map { Date(timeIntervalSince1970: TimeInterval($0.startedAt)) },
                                 lastRunFinished: run?.finishedAt.map { Date(timeIntervalSince1970: TimeInterval($0)) },
                                 lastResult: run?.result, lastError: run?.error,
                                 archivedMessages: total?.messages ?? 0, archivedBytes: total?.bytes ?? 0,
                                 onServerAtLastRun: run?.onServerCount, onServerBytesAtLastRun: run?.onServerBytes)
        }
        if output.json {
            Terminal.out(try Terminal.json(statuses))
            return
        }
        let formatter = ISO8601DateFormatter()
        for status in statuses {
            var line = "\(status.account): "
            if let started = status.lastRunStarted {
                line += "last run \(formatter.string(from: started)) \(status.lastResult?.uppercased() ?? "?")"
            } else {
                line += "never run"
            }
            line += "; archived \(status.archivedMessages) messages, \(ProgressDisplay.size(Int(clamping: status.archivedBytes)))"
            if let onServer = status.onServerAtLastRun { line += "; \(onServer) on server at last run" }
            if let error = status.lastError, status.lastResult != "ok" { line += "\n  last error: \(error)" }
            Terminal.out(line)
        }
    }
}
