import Archive
import Config
import Foundation
import Logging
import POP3
import POP3Core

/// `popvault run`: walks the accounts, `parallel` at a time and at most `per_host_connections`
/// per server. One account's failure never stops the others. Transient failures (in use, login
/// delay, temporary server errors, network) are retried with exponential back-off within the
/// run; each retry resumes where the last attempt's committed work ended.
public struct BackupScheduler: Sendable {
    public let defaults: Defaults
    public let vault: VaultOpening
    public let logger: Logger
    public let stop: StopFlag
    public let dryRun: Bool
    /// Called as messages arrive (for a progress display); must be cheap.
    public let progress: @Sendable (AccountReport) -> Void
    /// The first retry waits this long, each further one twice as long (capped at 60 s).
    public var initialBackoffSeconds = 2.0
    /// Servers' addresses looked up ahead (`lookUpHosts`), by account name, for first attempts;
    /// a retry looks its server up again.
    public var lookups: [String: HostLookup] = [:]
    /// Connections begun ahead (`connectEarly`), by account name, for first attempts. Those no
    /// session took are closed when the run ends.
    public var early: [String: EarlyConnection] = [:]

    public init(defaults: Defaults, vault: VaultOpening, logger: Logger, stop: StopFlag, dryRun: Bool,
                progress: @escaping @Sendable (AccountReport) -> Void = { _ in }) {
        self.defaults = defaults
        self.vault = vault
        self.logger = logger
        self.stop = stop
        self.dryRun = dryRun
        self.progress = progress
    }

    /// Starts the network threads while the caller parses its command line and reads the config.
    public static func startNetworking() {
        POP3Client.startEventLoops()
    }

    /// Starts looking up the accounts' servers, for `lookups`, while the caller opens the vault.
    public static func lookUpHosts(of accounts: [AccountConfig]) -> [String: HostLookup] {
        Dictionary(accounts.map { ($0.name, HostLookup.start(host: $0.host, port: $0.port)) },
                   uniquingKeysWith: { first, _ in first })
    }

    /// Begins the connections of the accounts a run starts at once (`FirstWave`), for `early`.
    /// Called once the vault is locked: a run that cannot have the vault connects nowhere.
    public static func connectEarly(_ accounts: [AccountConfig], defaults: Defaults,
                                    lookups: [String: HostLookup]) -> [String: EarlyConnection] {
        let wave = FirstWave.accounts(accounts, parallel: defaults.parallel, perHost: defaults.perHostConnections)
        return Dictionary(wave.map { account in
            (account.name, EarlyConnection.start(to: EndpointFactory.endpoint(for: account, defaults: defaults),
                                                 lookup: lookups[account.name]))
        }, uniquingKeysWith: { first, _ in first })
    }

    /// Returns once one of `early`'s connections is up or could not be made; at once if none
    /// was begun. The vault opens then (`VaultOpening`): the index is needed only when a
    /// listing arrives, and opened beside the first connection it delayed it.
    public static func firstConnected(_ early: [String: EarlyConnection]) async {
        await EarlyConnection.firstSettled(of: Array(early.values))
    }

    public func run(_ accounts: [AccountConfig]) async -> RunReport {
        defer { early.values.forEach { $0.release() } }
        let started = Date()
        let limiter = HostLimiter(limit: defaults.perHostConnections)
        let unrecorded = UnrecordedAccounts(count: accounts.count)
        let vault = self.vault
        let logger = self.logger
        // After the last account's run is recorded, the index is closed while its QUIT is answered.
        let recorded: @Sendable () async -> Void = {
            guard await unrecorded.recordOne(), (try? await vault.vault) != nil else { return }
            do { try await vault.close() } catch {
                logger.error("cannot close the index cleanly; its WAL file stays beside it and the next run or `popvault verify` applies it",
                             metadata: ["error": "\(error)"])
            }
        }
        var reports: [String: AccountReport] = [:]
        await withTaskGroup(of: AccountReport.self) { group in
            var pending = accounts.makeIterator()
            var running = 0
            while running < defaults.parallel, let account = pending.next() {
                group.addTask { await self.backUp(account, limiter: limiter, recorded: recorded) }
                running += 1
            }
            for await report in group {
                reports[report.account] = report
                if let account = pending.next(), !stop.isRaised {
                    group.addTask { await self.backUp(account, limiter: limiter, recorded: recorded) }
                }
            }
        }
        let ordered = accounts.map { reports[$0.name] ?? Self.notStarted($0) }
        return RunReport(startedAt: started, finishedAt: Date(), dryRun: dryRun, accounts: ordered)
    }

    private static func notStarted(_ account: AccountConfig) -> AccountReport {
        var report = AccountReport(account: account.name)
        report.errors = ["not started: the run was interrupted"]
        report.interrupted = true
        return report
    }

    /// One account, all attempts, recorded in the index; `recorded` is called once the account
    /// is done with the index (its run recorded, or none for a dry run), while QUIT's reply is
    /// awaited.
    func backUp(_ account: AccountConfig, limiter: HostLimiter, recorded: @escaping @Sendable () async -> Void) async -> AccountReport {
        let started = Date()
        var report = AccountReport(account: account.name)
        await limiter.acquire(HostLimiter.server(of: account.host))
        let deadline = started.addingTimeInterval(Double(defaults.accountTimeLimitSeconds))
        let stop = self.stop
        let session = AccountSession(account: account, defaults: defaults, vault: vault,
                                     logger: logger, shouldStop: { stop.isRaised || Date() > deadline },
                                     dryRun: dryRun, progress: progress)
        var closing: SessionClosing?
        var listing: ListingSummary?
        for attempt in 1...max(1, defaults.retries) {
            report.attempts = attempt
            do {
                (closing, listing) = try await session.run(into: &report, lookup: attempt == 1 ? lookups[account.name] : nil,
                                                           early: attempt == 1 ? early[account.name] : nil)
                report.result = report.skipped.isEmpty && !report.interrupted ? .ok : .partial
                if Date() > deadline { report.errors.append("stopped at the account time limit (\(defaults.accountTimeLimitSeconds) s)") }
                break
            } catch {
                report.errors.append("attempt \(attempt): \(error)")
                let transient = (error as? POP3Error)?.isTransient ?? false
                logger.warning("account failed", metadata: ["account": "\(account.name)", "attempt": "\(attempt)", "error": "\(error)"])
                if transient && attempt < defaults.retries && !stop.isRaised && Date() < deadline {
                    let delay = min(60, initialBackoffSeconds * pow(2, Double(attempt - 1)))
                    try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
                    continue
                }
                report.result = report.fetched > 0 ? .partial : .failed
                report.advice = FailureAdvice.advice(for: error, account: account)
                break
            }
        }
        report.durationSeconds = Date().timeIntervalSince(started)
        if !dryRun { await record(report, account: account, started: started, listing: report.result == .ok ? listing : nil) }
        async let indexDone: Void = recorded()
        await closing?.finish()
        await indexDone
        await limiter.release(HostLimiter.server(of: account.host))
        return report
    }

    /// `listing`: the session's listing, when the run left nothing of it behind.
    private func record(_ report: AccountReport, account: AccountConfig, started: Date, listing: ListingSummary?) async {
        var run = RunRecord(accountId: account.id, startedAt: Int64(started.timeIntervalSince1970))
        run.finishedAt = Int64(Date().timeIntervalSince1970)
        run.result = report.result.rawValue
        run.fetched = report.fetched
        run.newMessages = report.stored
        run.bytes = Int64(report.bytes)
        run.skipped = report.skipped.count
        run.remapped = report.reidentified
        run.onServerCount = report.onServerMessages
        run.onServerBytes = report.onServerBytes.map(Int64.init)
        run.error = report.errors.last
        // A vault that could not be opened is reported once, by the caller, not per account.
        guard let index = try? await vault.vault.index else { return }
        do {
            try index.record(run, accountName: account.name, completeListing: listing)
        } catch {
            logger.error("cannot record the run in the index", metadata: ["account": "\(account.name)", "error": "\(error)"])
        }
    }
}

/// Counts down the accounts whose run is not in the index yet. An interrupted run leaves some
/// unrecorded, and the index then closes when the process ends.
private actor UnrecordedAccounts {
    private var count: Int

    init(count: Int) { self.count = count }

    /// True for the last one.
    func recordOne() -> Bool {
        count -= 1
        return count == 0
    }
}
