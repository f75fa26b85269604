import Archive
import Foundation
import Synchronization

/// One message to write into one Maildir, as `MaildirRestore` planned it.
struct MaildirDelivery: Sendable {
    /// The message's place in the selection: failures are reported in that order.
    let position: Int
    let record: MessageRecord
    let maildir: Maildir
}

/// Threads that write planned deliveries. Each takes every `count`-th, reads it back checked
/// with a segment reader of its own and stages it in a `FileBatch` of its own. A damaged
/// message is named once and the rest go on; an error writing stops every thread and is thrown.
struct DeliveryWorkers {
    struct Results {
        var written = 0
        var bytes = 0
        var damaged: [MaildirRestore.Failure] = []
    }

    private struct Shared {
        var written = 0
        var bytes = 0
        var damaged: [(position: Int, failure: MaildirRestore.Failure)] = []
        var error: Error?
        var done = 0
    }

    let vault: Vault
    let seen: Bool
    let count: Int

    func deliver(_ plan: [MaildirDelivery], total: Int, progress: @escaping @Sendable (Int, Int) -> Void) throws -> Results {
        let shared = Mutex(Shared())
        let (vault, seen, count) = (vault, seen, max(1, count))
        DispatchQueue.concurrentPerform(iterations: count) { worker in
            do {
                let reader = try MessageReader(vault: vault)
                let batch = FileBatch()
                for delivery in stride(from: worker, to: plan.count, by: count).lazy.map({ plan[$0] }) {
                    guard shared.withLock({ $0.error == nil }) else { return }
                    let record = delivery.record
                    do {
                        let bytes = try delivery.maildir.deliver(record.contentHash, time: record.effectiveTime, seen: seen,
                                                                 batch: batch) { write in
                            try reader.read(record) { try write($0) }
                        }
                        shared.withLock { $0.written += 1; $0.bytes += bytes }
                    } catch let error as ArchiveError {
                        let failure = MaildirRestore.Failure(contentHash: record.contentHash, reason: "\(error)")
                        shared.withLock { $0.damaged.append((delivery.position, failure)) }
                    }
                    let done = shared.withLock { shared -> Int in
                        shared.done += 1
                        return shared.done
                    }
                    if done % 100 == 0 { progress(done, total) }
                }
                try batch.flush()
            } catch {
                shared.withLock { if $0.error == nil { $0.error = error } }
            }
        }
        return try shared.withLock { shared in
            if let error = shared.error { throw error }
            var seenHashes: Set<String> = []
            let damaged = shared.damaged.sorted { $0.position < $1.position }.map(\.failure)
                .filter { seenHashes.insert($0.contentHash).inserted }
            return Results(written: shared.written, bytes: shared.bytes, damaged: damaged)
        }
    }
}
