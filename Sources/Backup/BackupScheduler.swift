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
    /// Nil for a dry run against a vault that does not exist yet.
    public let vault: Vault?
    let writer: VaultWriterThread?
    public let logger: Logger
    public let stop: StopFlag
    /// Called as messages arrive (for a progress display); must be cheap.
    public let progress: @Sendable (AccountReport) -> Void
    /// The first retry waits this long, each further one twice as long (capped at 60 s).
    public var initialBackoffSeconds = 2.0

    public var dryRun: Bool { writer == nil }

    /// A scheduler that stores into `vault` (opened for writing), or with `dryRun` one that only
    /// logs in and plans, against `vault` opened for reading if there is one.
    public init(defaults: Defaults, vault: Vault?, dryRun: Bool, logger: Logger, stop: StopFlag,
                progress: @escaping @Sendable (AccountReport) -> Void = { _ in }) throws {
        self.defaults = defaults
        self.vault = vault
        writer = dryRun ? nil : try vault.map(VaultWriterThread.init)
        self.logger = logger
        self.stop = stop
        self.progress = progress
    }

    public func run(_ accounts: [AccountConfig]) async -> RunReport {
        let started = Date()
        let limiter = HostLimiter(limit: defaults.perHostConnections)
        var reports: [String: AccountReport] = [:]
        await withTaskGroup(of: AccountReport.self) { group in
            var pending = accounts.makeIterator()
            var running = 0
            while running < defaults.parallel, let account = pending.next() {
                group.addTask { await self.backUp(account, limiter: limiter) }
                running += 1
            }
            for await report in group {
                reports[report.account] = report
                if let account = pending.next(), !stop.isRaised {
                    group.addTask { await self.backUp(account, limiter: limiter) }
                }
            }
        }
        let ordered = accounts.map { reports[$0.name] ?? Self.notStarted($0) }
        return RunReport(startedAt: started, finishedAt: Date(), dryRun: dryRun, accounts: ordered)
    }

    /// Commits what the sessions left in the batch and ends the writer's thread. Call it once,
    /// after `run`; the vault can then be closed.
    public func finish() async throws {
        guard let writer else { return }
        var failure: Error?
        do { try await writer.perform { try $0.close() } } catch { failure = error }
        await writer.shutdown()
        if let failure { throw failure }
    }

    private static func notStarted(_ account: AccountConfig) -> AccountReport {
        var report = AccountReport(account: account.name)
        report.errors = ["not started: the run was stopped"]
        report.interrupted = true
        return report
    }

    /// One account, all attempts, recorded in the index.
    func backUp(_ account: AccountConfig, limiter: HostLimiter) async -> AccountReport {
        let started = Date()
        var report = AccountReport(account: account.name)
        await limiter.acquire(HostLimiter.server(of: account.host))
        let deadline = ContinuousClock.now + .seconds(defaults.accountTimeLimitSeconds)
        let stop = self.stop
        let session = AccountSession(account: account, defaults: defaults, vault: vault, writer: writer, logger: logger,
                                     shouldStop: { stop.isRaised || ContinuousClock.now >= deadline }, progress: progress)
        for attempt in 1...max(1, defaults.retries) {
            report.attempts = attempt
            let interrupt = SessionInterrupt()
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        await SessionWatchdog.watch(interrupt, deadline: deadline, stop: stop, grace: .seconds(defaults.stopGraceSeconds))
                    }
                    defer { group.cancelAll() }
                    try await session.run(into: &report, interrupt: interrupt, lockstep: Set(report.framingSuspects))
                }
                report.result = report.skipped.isEmpty && !report.interrupted ? .ok : .partial
                break
            } catch {
                if let reason = interrupt.reason {
                    report.interrupted = true
                    report.errors.append("attempt \(attempt): \(reason); what was complete is committed")
                    report.result = report.fetched > 0 ? .partial : .failed
                    logger.warning("account interrupted", metadata: ["account": "\(account.name)", "reason": "\(reason)"])
                    break
                }
                report.errors.append("attempt \(attempt): \(error)")
                let transient = (error as? POP3Error)?.isTransient ?? false
                logger.warning("account failed", metadata: ["account": "\(account.name)", "attempt": "\(attempt)", "error": "\(error)"])
                if transient && attempt < defaults.retries && !stop.isRaised && ContinuousClock.now < deadline {
                    let delay = min(60, initialBackoffSeconds * pow(2, Double(attempt - 1)))
                    try? await Task.sleep(for: .seconds(delay))
                    continue
                }
                report.result = report.fetched > 0 ? .partial : .failed
                report.advice = FailureAdvice.advice(for: error, account: account)
                break
            }
        }
        report.durationSeconds = Date().timeIntervalSince(started)
        if !dryRun { await record(report, account: account, started: started) }
        await limiter.release(HostLimiter.server(of: account.host))
        return report
    }

    private func record(_ report: AccountReport, account: AccountConfig, started: Date) async {
        guard let index = vault?.index else { return }
        var run = RunRecord(accountId: account.id, startedAt: Int64(started.timeIntervalSince1970))
        run.finishedAt = Int64(Date().timeIntervalSince1970)
        run.result = report.result.rawValue
        run.fetched = report.fetched
        run.newMessages = report.stored
        run.bytes = Int64(clamping: report.bytes)
        run.skipped = report.skipped.count
        run.remapped = report.duplicates
        run.onServerCount = report.onServerMessages
        run.onServerBytes = report.onServerBytes.map { Int64(clamping: $0) }
        run.error = report.errors.last
        do {
            try await index.record(run, accountName: account.name)
        } catch {
            logger.error("cannot record the run in the index", metadata: ["account": "\(account.name)", "error": "\(error)"])
        }
    }
}
