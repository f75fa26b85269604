import Archive
import Foundation

/// `popvault restore`: the selected messages written into Maildirs (see `RestoreLayout` for
/// where, and `Maildir` for how). Each message is read back checked (inflated, CRC-checked and
/// re-hashed) as it is written, so the file's SHA-256 is its content hash; a damaged one is not
/// written, is named, and the rest go on. Its modification time is the message's Date where
/// that parses, else when it was archived (mail clients sort by it).
public struct MaildirRestore {
    public struct Options: Sendable {
        public var directory: String
        /// Deliver into `cur/` flagged seen, instead of `new/`.
        public var seen = false
        /// List what would be written; write nothing.
        public var dryRun = false
        /// Exactly one account was asked for: DIR is its Maildir.
        public var singleAccount = false

        public init(directory: String) { self.directory = directory }
    }

    /// A message that could not be restored.
    public struct Failure: Codable, Sendable {
        public let contentHash: String
        public let reason: String
    }

    /// A message written (or, in a dry run, to be written).
    public struct Delivery: Codable, Sendable {
        public let path: String
        public let contentHash: String
        public let date: String?
        public let from: String?
        public let subject: String?
    }

    public struct Summary: Codable, Sendable {
        public var written = 0
        public var alreadyPresent = 0
        public var damaged: [Failure] = []
        public var bytes = 0
        public var seconds = 0.0
        public var maildirs: [String] = []
        /// In a dry run, what would be written.
        public var deliveries: [Delivery] = []
    }

    public let vault: Vault
    public let options: Options

    public init(vault: Vault, options: Options) {
        self.vault = vault
        self.options = options
    }

    /// Restores `messages`; `progress` gets (done, total) now and then.
    public func run(_ messages: [SelectedMessage], progress: (Int, Int) -> Void = { _, _ in }) throws -> Summary {
        let started = Date()
        var summary = Summary()
        let root = options.dryRun ? nil : try OutputDirectory(creating: options.directory)
        var maildirs: [String: Maildir] = [:]
        let reader = try MessageReader(vault: vault)
        for (position, message) in messages.enumerated() {
            if position % 100 == 0 { progress(position, messages.count) }
            let record = message.record
            for account in message.accounts {
                let name = RestoreLayout.directory(forAccount: account, singleAccount: options.singleAccount)
                let key = name ?? ""
                let target: Maildir
                if let existing = maildirs[key] {
                    target = existing
                } else if let root {
                    target = try Maildir(name.map { try OutputDirectory(inside: root, named: $0) } ?? root)
                    maildirs[key] = target
                    summary.maildirs.append(target.directory.path)
                } else {
                    let path = options.directory + (name.map { "/" + $0 } ?? "")
                    summary.deliveries.append(Delivery(path: path + "/" + (options.seen ? "cur/\(record.contentHash):2,S" : "new/\(record.contentHash)"),
                                                       contentHash: record.contentHash, date: record.date,
                                                       from: record.fromAddress, subject: record.subject))
                    continue
                }
                if target.holds(record.contentHash) {
                    summary.alreadyPresent += 1
                    continue
                }
                do {
                    summary.bytes += try target.deliver(record.contentHash, time: record.effectiveTime, seen: options.seen) { write in
                        try reader.read(record) { try write($0) }
                    }
                    summary.written += 1
                } catch let error as ArchiveError {
                    summary.damaged.append(Failure(contentHash: record.contentHash, reason: "\(error)"))
                    break
                }
            }
        }
        for maildir in maildirs.values { try maildir.sync() }
        progress(messages.count, messages.count)
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }
}
