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
    ///
    /// The deliveries are planned first, on this thread: the Maildirs made, what they already
    /// hold left out. Then `workers` threads share them, each taking every `workers`-th, with a
    /// segment reader and file batches of its own: reading a message back (inflating, checking,
    /// hashing) and the file system's work of writing one overlap on two cores.
    public func run(_ messages: [SelectedMessage], workers: Int = 2, progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) throws -> Summary {
        let started = Date()
        var summary = Summary()
        guard !options.dryRun else {
            for message in messages {
                let record = message.record
                for account in message.accounts {
                    let name = RestoreLayout.directory(forAccount: account, singleAccount: options.singleAccount)
                    let path = options.directory + (name.map { "/" + $0 } ?? "")
                    summary.deliveries.append(Delivery(path: path + "/" + (options.seen ? "cur/\(record.contentHash):2,S" : "new/\(record.contentHash)"),
                                                       contentHash: record.contentHash, date: record.date,
                                                       from: record.fromAddress, subject: record.subject))
                }
            }
            summary.seconds = Date().timeIntervalSince(started)
            return summary
        }
        let root = try OutputDirectory(creating: options.directory)
        var maildirs: [String: Maildir] = [:]
        var plan: [MaildirDelivery] = []
        for (position, message) in messages.enumerated() {
            for account in message.accounts {
                let name = RestoreLayout.directory(forAccount: account, singleAccount: options.singleAccount)
                let key = name ?? ""
                let target: Maildir
                if let existing = maildirs[key] {
                    target = existing
                } else {
                    target = try Maildir(name.map { try OutputDirectory(inside: root, named: $0) } ?? root)
                    maildirs[key] = target
                    summary.maildirs.append(target.directory.path)
                }
                if target.claim(message.record.contentHash) {
                    plan.append(MaildirDelivery(position: position, record: message.record, maildir: target))
                } else {
                    summary.alreadyPresent += 1
                }
            }
        }
        let results = try DeliveryWorkers(vault: vault, seen: options.seen, count: workers)
            .deliver(plan, total: plan.count, progress: progress)
        summary.written = results.written
        summary.bytes = results.bytes
        summary.damaged = results.damaged
        progress(plan.count, plan.count)
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }
}
