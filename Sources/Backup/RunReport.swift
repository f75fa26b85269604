import Foundation

/// The outcome of one account in one run.
public enum AccountResult: String, Sendable, Codable {
    /// Everything listed is archived.
    case ok
    /// Some messages were left behind (refused, too large, interrupted); they are listed.
    case partial
    /// The account could not be backed up in this run.
    case failed
}

/// What `popvault run` did for one account (the JSON report's per-account part).
public struct AccountReport: Sendable, Codable {
    public var account: String
    public var result: AccountResult = .failed
    public var attempts = 0
    /// Messages and bytes (LIST sizes) the plan meant to retrieve.
    public var planned = 0
    public var plannedBytes = 0
    /// Messages retrieved in this run.
    public var fetched = 0
    /// Of those, new content stored.
    public var stored = 0
    /// Duplicates of content already archived: the same message under a new UIDL (a server
    /// migration) or in another account, recorded without storing its bytes again.
    public var duplicates = 0
    /// Canonical bytes retrieved.
    public var bytes = 0
    public var onServerMessages: Int?
    public var onServerBytes: Int?
    public var alreadyArchived = 0
    public var duplicatedUIDLs = 0
    public var skipped: [SkippedMessage] = []
    public var errors: [String] = []
    public var advice: String?
    public var durationSeconds = 0.0
    public var interrupted = false
    /// UIDLs whose framing was in doubt in an attempt; the next attempt fetches them one at a time.
    public var framingSuspects: [String] = []

    public init(account: String) { self.account = account }
}

public struct RunReport: Sendable, Codable {
    public var startedAt: Date
    public var finishedAt: Date
    public var dryRun: Bool
    public var accounts: [AccountReport]

    /// "ok" when every account is, else "partial" when any archived something, else "failed".
    public var result: AccountResult {
        if accounts.allSatisfy({ $0.result == .ok }) { return .ok }
        return accounts.contains { $0.result != .failed } ? .partial : .failed
    }
}
