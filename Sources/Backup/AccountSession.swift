import Archive
import Config
import Foundation
import Logging
import POP3
import POP3Core

/// One account's backup in one attempt: connect → log in → STAT and UIDL → plan → pipelined RETR
/// streamed into the vault, committed in batches → QUIT. It never sends DELE. Whatever
/// happens, what was completely received is committed before the error goes up.
///
/// The index work runs beside the network: the vault's view of the mailbox is read while the
/// listing comes, unless the listing turns out to be the last complete one (`ListingShortcut`),
/// and the listing is recorded while LIST, the retrieval or QUIT go on. A nightly run with
/// nothing new is little more than these steps, so overlapping them is most of its time.
struct AccountSession {
    let account: AccountConfig
    let defaults: Defaults
    let vault: VaultOpening
    let logger: Logger
    let shouldStop: @Sendable () -> Bool
    let dryRun: Bool
    let progress: (AccountReport) -> Void

    /// Backs the account up; returns the session's QUIT, still on its way, and what it takes to
    /// recognize the listing next time. `lookup`: the server's addresses, if looked up ahead;
    /// `early`: the connection, if begun ahead. Whatever happens, the index's reads for the
    /// session are over when it returns (`MailboxView.settle`): the run may then close the index.
    func run(into report: inout AccountReport, lookup: HostLookup? = nil,
             early: EarlyConnection? = nil) async throws -> (closing: SessionClosing, listing: ListingSummary) {
        let view = MailboxView(vault: vault, account: account.id)
        do {
            let outcome = try await run(into: &report, view: view, lookup: lookup, early: early)
            await view.settle()
            return outcome
        } catch {
            await view.settle()
            throw error
        }
    }

    private func run(into report: inout AccountReport, view: MailboxView, lookup: HostLookup?,
                     early: EarlyConnection?) async throws -> (closing: SessionClosing, listing: ListingSummary) {
        let (vault, id, name) = (self.vault, account.id, account.name)
        let client = try await POP3Client.connect(to: EndpointFactory.endpoint(for: account, defaults: defaults),
                                                  logger: logger, lookup: lookup, early: early)
        let recordingIndex: VaultIndex?
        var unrecordedListing: (changes: ListingChanges, at: Int64)?
        let summary: ListingSummary
        do {
            let (stat, listing) = try await EndpointFactory.loginAndList(client, account: account, onStat: view.learn(stat:))
            recordingIndex = dryRun ? nil : try await vault.vault.index
            report.onServerMessages = stat.count
            report.onServerBytes = stat.size
            let digest = ListingShortcut.digest(of: listing)
            let seenAt = Int64(Date().timeIntervalSince1970)
            var plan: FetchPlan
            if let recorded = await view.recorded,
               ListingShortcut.applies(recorded: recorded, stat: stat, listing: listing, digest: digest) {
                plan = ListingShortcut.plan(recognized: listing, recorded: recorded)
                logger.debug("the listing is the last complete run's: nothing to fetch", metadata: ["account": "\(name)"])
            } else {
                plan = FetchPlanner.plan(listing: listing, archived: try await view.mailbox())
            }
            summary = ListingSummary(digest: digest, count: stat.count, size: stat.size, duplicatedUIDLs: plan.duplicatedUIDLs)
            let changes = plan.listingChanges
            if plan.fetch.isEmpty || dryRun {
                if !plan.fetch.isEmpty {
                    plan = FetchPlanner.limit(plan, sizes: try await sizes(of: plan, from: client, onServer: stat.count),
                                              maxMessageBytes: account.maxMessageBytes)
                }
                note(plan, onServer: stat.count, in: &report)
                unrecordedListing = (changes, seenAt)
            } else {
                // The listing is recorded while LIST and the retrieval go on. LIST only when
                // there is something to fetch: its sizes serve the size limit and the progress.
                if let recordingIndex { DispatchQueue.global().async { recordingIndex.prefetch() } }
                async let recorded: Void? = recordingIndex?.recordListing(account: id, name: name, changes: changes, at: seenAt)
                plan = FetchPlanner.limit(plan, sizes: try await sizes(of: plan, from: client, onServer: stat.count),
                                          maxMessageBytes: account.maxMessageBytes)
                note(plan, onServer: stat.count, in: &report)
                try await retrieve(plan, from: client, into: &report)
                _ = try await recorded
            }
        } catch {
            await client.abandon()
            throw error
        }
        let closing = await SessionClosing(quitting: client, account: name, logger: logger)
        if let unrecordedListing, let recordingIndex {
            // Nothing was fetched: the listing is recorded while QUIT is on its way.
            do {
                try recordingIndex.recordListing(account: id, name: name, changes: unrecordedListing.changes,
                                                 at: unrecordedListing.at)
            } catch {
                await closing.finish()
                throw error
            }
        }
        return (closing, summary)
    }

    /// LIST's sizes of the planned messages: for the size limit and the progress.
    private func sizes(of plan: FetchPlan, from client: POP3Client, onServer: Int) async throws -> [Int: Int] {
        FetchPlanner.listsEachPlanned(plan, onServer: onServer)
            ? try await client.list(plan.fetch.map(\.number)) : try await client.list()
    }

    private func note(_ plan: FetchPlan, onServer: Int, in report: inout AccountReport) {
        report.alreadyArchived = plan.alreadyArchived
        report.duplicatedUIDLs = plan.duplicatedUIDLs
        report.skipped = plan.skipped
        report.planned = report.fetched + plan.fetch.count
        report.plannedBytes = report.bytes + plan.bytesToFetch
        if plan.duplicatedUIDLs > 0 {
            logger.warning("the server lists some UIDLs more than once; every copy is fetched and told apart by content",
                           metadata: ["account": "\(account.name)", "uidls": "\(plan.duplicatedUIDLs)"])
        }
        logger.info("planned", metadata: ["account": "\(account.name)", "onServer": "\(onServer)",
                                          "toFetch": "\(plan.fetch.count)", "archived": "\(plan.alreadyArchived)"])
    }

    /// Pipelined RETR into the vault; what arrived completely is committed even when this throws.
    private func retrieve(_ plan: FetchPlan, from client: POP3Client, into report: inout AccountReport) async throws {
        let vaultWriter = try await vault.vault.makeWriter()
        vaultWriter.register(account: account.id, name: account.name)
        let writer = BackgroundVaultWriter(writer: vaultWriter)
        let sink = VaultSink(writer: writer, account: account.id, plan: plan, maxMessageBytes: account.maxMessageBytes,
                             report: report, progress: progress)
        let read: Int
        do {
            read = try await client.retrieve(plan.fetch.map(\.number), into: sink, shouldStop: shouldStop)
            try sink.close()
            report = sink.report
        } catch {
            try? sink.close()
            report = sink.report
            throw error
        }
        for dropped in writer.droppedMappings {
            report.skipped.append(SkippedMessage(uidl: dropped.uidl, reason: "its content was being stored by another "
                + "account's session, which failed; it is fetched again next run"))
        }
        if read < plan.fetch.count {
            report.interrupted = true
            report.skipped.append(SkippedMessage(uidl: "\(plan.fetch.count - read) messages", reason: "not fetched: the run was interrupted"))
        }
    }
}

/// The QUIT that ends a session, sent and not yet answered. The session deleted nothing, so
/// the server keeps every message whatever QUIT answers (RFC 1939 §6: only the UPDATE state
/// after it removes anything), and the archive is complete before QUIT goes out. The run is
/// therefore recorded while the reply is on its way, and a failed QUIT is logged, not held
/// against the account.
struct SessionClosing {
    private let client: POP3Client
    private let account: String
    private let logger: Logger
    private var failure: Error?

    init(quitting client: POP3Client, account: String, logger: Logger) async {
        (self.client, self.account, self.logger) = (client, account, logger)
        do { try await client.sendQuit() } catch { failure = error }
    }

    /// Reads QUIT's reply and closes the connection.
    func finish() async {
        var failure = self.failure
        if failure == nil {
            do { try await client.finishQuit() } catch { failure = error }
        } else {
            await client.abandon()
        }
        if let failure {
            logger.warning("QUIT failed after the backup; nothing was deleted, so nothing depends on it",
                           metadata: ["account": "\(account)", "error": "\(failure)"])
        }
    }
}
