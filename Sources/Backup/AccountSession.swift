import Archive
import Config
import Foundation
import Logging
import POP3
import POP3Core

/// One account's backup in one attempt: connect → log in → UIDL → plan → pipelined RETR
/// streamed into the vault, committed in batches → QUIT. It never sends DELE. Whatever
/// happens, what was completely received is committed before the error goes up.
struct AccountSession {
    let account: AccountConfig
    let defaults: Defaults
    let vault: Vault
    let logger: Logger
    let shouldStop: @Sendable () -> Bool
    let dryRun: Bool
    let progress: (AccountReport) -> Void

    func run(into report: inout AccountReport) async throws {
        let client = try await EndpointFactory.openSession(account, defaults: defaults, logger: logger)
        do {
            guard client.capabilities.has("UIDL") || !client.capabilities.announced else {
                throw POP3Error.unsupported("the server does not offer UIDL; without it popvault cannot tell which "
                    + "messages it already has while leaving them on the server")
            }
            let stat = try await client.stat()
            report.onServerMessages = stat.count
            report.onServerBytes = stat.size
            let listing = try await client.uidl()
            let sizes = try await client.list()
            let archived = try vault.index.archivedCopies(account: account.id)
            let plan = FetchPlanner.plan(listing: listing, archivedCopies: archived, sizes: sizes, maxMessageBytes: account.maxMessageBytes)
            report.alreadyArchived = plan.alreadyArchived
            report.duplicatedUIDLs = plan.duplicatedUIDLs
            report.skipped = plan.skipped
            report.planned = report.fetched + plan.fetch.count
            report.plannedBytes = report.bytes + plan.bytesToFetch
            if plan.duplicatedUIDLs > 0 {
                logger.warning("the server lists some UIDLs more than once; every copy is fetched and told apart by content",
                               metadata: ["account": "\(account.name)", "uidls": "\(plan.duplicatedUIDLs)"])
            }
            try vault.index.markSeen(account: account.id, uidls: listing.entries.map(\.uidl), at: Int64(Date().timeIntervalSince1970))
            logger.info("planned", metadata: ["account": "\(account.name)", "onServer": "\(stat.count)",
                                              "toFetch": "\(plan.fetch.count)", "archived": "\(plan.alreadyArchived)"])
            if dryRun || plan.fetch.isEmpty {
                try await client.quit()
                return
            }
            let writer = try vault.makeWriter()
            writer.register(account: account.id, name: account.name)
            let sink = VaultSink(writer: writer, account: account.id, plan: plan, maxMessageBytes: account.maxMessageBytes,
                                 report: report, progress: progress)
            do {
                let read = try await client.retrieve(plan.fetch.map(\.number), into: sink, shouldStop: shouldStop)
                try writer.close()
                report = sink.report
                for dropped in writer.droppedMappings {
                    report.skipped.append(SkippedMessage(uidl: dropped.uidl, reason: "its content was being stored by another "
                        + "account's session, which failed; it is fetched again next run"))
                }
                if read < plan.fetch.count {
                    report.interrupted = true
                    report.skipped.append(SkippedMessage(uidl: "\(plan.fetch.count - read) messages",
                                                         reason: "not fetched: the run was interrupted"))
                }
                try await client.quit()
            } catch {
                try? sink.salvage()
                try? writer.close()
                report = sink.report
                throw error
            }
        } catch {
            await client.abandon()
            throw error
        }
    }
}
