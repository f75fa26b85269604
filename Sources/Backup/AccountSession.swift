import Archive
import Config
import Foundation
import Logging
import POP3
import POP3Core

/// One account's backup in one attempt, in order: connect → log in → STAT and UIDL → compare
/// with the index → LIST the messages to fetch → pipelined RETR streamed into the vault,
/// committed in batches → QUIT. It never sends DELE. Whatever happens, what was completely
/// received is committed before the error goes up.
struct AccountSession {
    let account: AccountConfig
    let defaults: Defaults
    /// Nil for a dry run against a vault that does not exist yet.
    let vault: Vault?
    /// Nil for a dry run.
    let writer: VaultWriterThread?
    let logger: Logger
    let shouldStop: @Sendable () -> Bool
    let progress: (AccountReport) -> Void

    /// `interrupt` gets the connection's interrupter; `lockstep`: UIDLs whose framing was in
    /// doubt in an earlier attempt, fetched first and one at a time.
    func run(into report: inout AccountReport, interrupt: SessionInterrupt, lockstep: Set<String>) async throws {
        let client = try await POP3Client.connect(to: EndpointFactory.endpoint(for: account, defaults: defaults), logger: logger)
        interrupt.attach(client.interrupter)
        do {
            let secret = try await SecretResolver.resolve(account, timeoutSeconds: defaults.secretTimeoutSeconds)
            let (stat, listing) = try await client.loginAndList(EndpointFactory.credentials(for: account, secret: secret),
                                                                method: EndpointFactory.authMethod(for: account),
                                                                allowPlaintextAuth: account.allowPlaintextAuth)
            report.onServerMessages = stat.count
            report.onServerBytes = stat.size
            let archived = try await vault?.index.archivedMailbox(account: account.id) ?? ArchivedMailbox()
            var plan = FetchPlanner.plan(listing: listing, archived: archived)
            if writer != nil, let vault {
                try await vault.index.recordListing(account: account.id, name: account.name, changes: plan.listingChanges,
                                                    at: Int64(Date().timeIntervalSince1970))
            }
            if !plan.fetch.isEmpty {
                let sizes = FetchPlanner.listsEachPlanned(plan, onServer: stat.count)
                    ? try await client.list(plan.fetch.map(\.number)) : try await client.list()
                plan = FetchPlanner.limit(plan, sizes: sizes, maxMessageBytes: account.maxMessageBytes)
            }
            note(plan, onServer: stat.count, in: &report)
            if let writer, !plan.fetch.isEmpty {
                vault?.index.prefetch()
                try await retrieve(plan, lockstep: lockstep, from: client, into: writer, report: &report)
            }
        } catch {
            await client.abandon()
            throw error
        }
        do {
            try await client.quit()
        } catch {
            logger.warning("QUIT failed after the backup; nothing was deleted, so nothing depends on it",
                           metadata: ["account": "\(account.name)", "error": "\(error)"])
        }
    }

    private func note(_ plan: FetchPlan, onServer: Int, in report: inout AccountReport) {
        report.alreadyArchived = plan.alreadyArchived
        report.duplicatedUIDLs = plan.duplicatedUIDLs
        report.skipped = plan.skipped
        report.planned = report.fetched + plan.fetch.count
        report.plannedBytes = report.bytes.addingClamped(plan.bytesToFetch)
        if plan.duplicatedUIDLs > 0 {
            logger.warning("the server lists some UIDLs more than once; every copy is fetched and told apart by content",
                           metadata: ["account": "\(account.name)", "uidls": "\(plan.duplicatedUIDLs)"])
        }
        logger.info("planned", metadata: ["account": "\(account.name)", "onServer": "\(onServer)",
                                          "toFetch": "\(plan.fetch.count)", "archived": "\(plan.alreadyArchived)"])
    }

    /// RETR into the vault (messages whose framing was in doubt first, one at a time; the rest
    /// pipelined); what arrived completely is committed even when this throws.
    private func retrieve(_ plan: FetchPlan, lockstep: Set<String>, from client: POP3Client, into writer: VaultWriterThread,
                          report: inout AccountReport) async throws {
        let (id, name) = (account.id, account.name)
        let stream = try await writer.perform { writer in
            writer.register(account: id, name: name)
            return try writer.openStream()
        }
        let sink = VaultSink(thread: writer, stream: stream, account: id, plan: plan, maxMessageBytes: account.maxMessageBytes,
                             report: report, progress: progress)
        let sizes = Dictionary(plan.fetch.compactMap { fetch in fetch.sizeHint.map { (fetch.number, $0) } },
                               uniquingKeysWith: { first, _ in first })
        let careful = plan.fetch.filter { lockstep.contains($0.uidl) }.map(\.number)
        let rest = plan.fetch.filter { !lockstep.contains($0.uidl) }.map(\.number)
        var read = 0
        do {
            read += try await client.retrieve(careful, sizes: sizes, pipelined: false, into: sink, shouldStop: shouldStop)
            if read == careful.count {
                read += try await client.retrieve(rest, sizes: sizes, into: sink, shouldStop: shouldStop)
            }
            try await sink.close()
            report = sink.report
        } catch {
            try? await sink.close()
            report = sink.report
            report.framingSuspects += sink.abandoned
            throw error
        }
        if read < plan.fetch.count {
            report.interrupted = true
            report.skipped.append(SkippedMessage(uidl: "\(plan.fetch.count - read) messages", reason: "not fetched: the run was stopped"))
        }
    }
}
