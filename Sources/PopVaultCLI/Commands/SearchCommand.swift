import ArgumentParser
import Archive
import Foundation

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search the archive's From, To, Subject and text; one line per message: id, date, from, subject.",
        discussion: """
            QUERY is SQLite FTS5 syntax: words (all must occur), "a phrase", OR, NOT, prefix*, and columns: \
            subject:word, fromAddress:word, toAddress:word, body:word. Header fields are searched decoded. \
            Show a message with `popvault show ID`.
            """)

    @OptionGroup var configOptions: ConfigOptions
    @OptionGroup var vaultOptions: VaultOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "What to look for.")
    var query: String

    @Option(name: .customLong("account"), help: ArgumentHelp("Only this account's messages (repeatable).", valueName: "name"))
    var accounts: [String] = []

    @Option(help: "At most this many results, best first.")
    var limit = 50

    struct Hit: Codable {
        let id: String
        let date: String?
        let from: String?
        let to: String?
        let subject: String?
        let accounts: [String]
    }

    func run() throws {
        let vault = try Vault(at: try vaultOptions.root(configOptions: configOptions), access: .read)
        var filter = MessageFilter()
        filter.accounts = try AccountSelection.ids(of: accounts, in: vault)
        filter.query = query
        let found = try vault.index.messages(matching: filter, limit: max(1, limit), orderByRank: true)
        if output.json {
            Terminal.out(try Terminal.json(found.map { message in
                Hit(id: message.record.contentHash, date: message.record.date, from: message.record.fromAddress,
                    to: message.record.toAddress, subject: message.record.subject, accounts: message.accounts)
            }))
            return
        }
        let day = DateFormatter()
        day.dateFormat = "yyyy-MM-dd"
        day.timeZone = TimeZone(identifier: "UTC")
        for message in found {
            let record = message.record
            let date = day.string(from: Date(timeIntervalSince1970: TimeInterval(record.effectiveTime)))
            Terminal.out("\(record.contentHash.prefix(12))  \(date)  \(record.fromAddress ?? "-")  \(record.subject ?? "-")")
        }
        if found.isEmpty && !output.quiet { Terminal.error("no message matches") }
    }
}
