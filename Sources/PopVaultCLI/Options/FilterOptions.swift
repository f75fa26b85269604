import ArgumentParser
import Archive
import Restore

/// The message filters `restore` and `export` share; they combine with "and".
struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("account"), help: ArgumentHelp("Only this account's messages (repeatable).", valueName: "name"))
    var accounts: [String] = []

    @Option(help: ArgumentHelp("Only messages dated on or after this day or moment (UTC).", valueName: "YYYY-MM-DD[THH:MM[:SS]]"))
    var since: String?

    @Option(help: ArgumentHelp("Only messages dated up to this day (inclusive) or moment (UTC).", valueName: "YYYY-MM-DD[THH:MM[:SS]]"))
    var until: String?

    @Option(help: ArgumentHelp("Only messages whose From has this text (any case), or matches it with * and ?.", valueName: "pattern"))
    var from: String?

    @Option(help: ArgumentHelp("Only messages whose Subject has this text (any case), or matches it with * and ?.", valueName: "pattern"))
    var subject: String?

    @Option(help: ArgumentHelp("Only messages the search finds (see `popvault search`).", valueName: "text"))
    var query: String?

    @Option(help: ArgumentHelp("Only messages whose id (content hash) starts with this.", valueName: "hex"))
    var hash: String?

    func validate() throws {
        for (flag, value) in [("--since", since), ("--until", until)] {
            if let value, TimeArgument(value) == nil { throw ValidationError("\(flag) takes YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS] (UTC), not \"\(value)\"") }
        }
    }

    /// The selected messages of `vault`, in the order they are stored.
    func select(in vault: Vault) throws -> [SelectedMessage] {
        var filter = MessageFilter()
        filter.accounts = try AccountSelection.ids(of: accounts, in: vault)
        filter.since = since.flatMap(TimeArgument.init)?.start
        filter.until = until.flatMap(TimeArgument.init)?.end
        filter.query = query
        filter.hashPrefix = hash?.lowercased()
        let (fromPattern, subjectPattern) = (from.map(TextPattern.init), subject.map(TextPattern.init))
        return try vault.index.messages(matching: filter).filter { message in
            (fromPattern?.matches(message.record.fromAddress) ?? true) && (subjectPattern?.matches(message.record.subject) ?? true)
        }
    }
}
