import Archive
import Crypto
import Escaping
import POP3
import POP3Core
import Synchronization

/// Streams one session's retrieved messages into the vault and keeps the session's counts.
/// Each message is hashed here, while its bytes are in this thread's cache, and handed to the
/// run's `VaultWriterThread`, which writes it into the session's stream and commits batches as
/// they fill: a crash or a cut connection loses at most one batch of work, never a committed
/// message. What the writer decided about each message comes back through `StreamResults`.
final class VaultSink: RetrievalSink {
    private let thread: VaultWriterThread
    private let stream: StreamID
    private let results = StreamResults()
    private let account: String
    private let uidls: [Int: String]
    private let maxMessageBytes: Int?
    private var hasher = SHA256()
    private var currentBytes = 0
    private var oversized = false
    private(set) var report: AccountReport
    /// UIDLs of messages dropped because their framing could not be trusted.
    private(set) var abandoned: [String] = []
    private let progress: (AccountReport) -> Void

    init(thread: VaultWriterThread, stream: StreamID, account: String, plan: FetchPlan, maxMessageBytes: Int?,
         report: AccountReport, progress: @escaping (AccountReport) -> Void) {
        (self.thread, self.stream, self.account) = (thread, stream, account)
        self.uidls = Dictionary(plan.fetch.map { ($0.number, $0.uidl) }, uniquingKeysWith: { first, _ in first })
        self.maxMessageBytes = maxMessageBytes
        self.report = report
        self.progress = progress
    }

    func messageStarted(number: Int) async throws {
        try results.check()
        (hasher, currentBytes, oversized) = (SHA256(), 0, false)
        let (stream, account, uidl, results) = (self.stream, self.account, uidls[number] ?? "", self.results)
        await thread.handOver(bytes: 0) { writer in
            results.run { try writer.beginMessage(stream, account: account, uidl: uidl, hashedByCaller: true) }
        }
    }

    func messageBytes(_ bytes: [UInt8]) async throws {
        currentBytes += bytes.count
        if let limit = maxMessageBytes, currentBytes > limit {
            if !oversized { await abandon() }
            oversized = true
            return
        }
        hasher.update(data: bytes)
        let (stream, results) = (self.stream, self.results)
        await thread.handOver(bytes: bytes.count) { writer in
            results.run { try bytes.withUnsafeBytes { try writer.write(stream, $0) } }
        }
        try results.check()
    }

    func messageFinished(number: Int) async throws {
        if oversized {
            report.skipped.append(SkippedMessage(uidl: uidls[number] ?? "#\(number)",
                                                 reason: "larger than max_message_size (\(maxMessageBytes ?? 0) bytes)"))
            return
        }
        let (stream, results, size) = (self.stream, self.results, currentBytes)
        let hash = Hex.lowerCase(hasher.finalize())
        await thread.handOver(bytes: 0) { writer in
            results.run {
                let outcome = try writer.finishMessage(stream, contentHash: hash)
                if writer.shouldCommit { try writer.commit() }
                results.add(outcome, bytes: size)
            }
        }
        count(results.takeFinished())
        progress(report)
    }

    func messageAbandoned(number: Int) async throws {
        abandoned.append(uidls[number] ?? "#\(number)")
        await abandon()
    }

    func messageRefused(number: Int, reply: StatusLine) async throws {
        report.skipped.append(SkippedMessage(uidl: uidls[number] ?? "#\(number)", reason: "the server refused RETR: \(reply)"))
    }

    /// Commits what is complete (a message cut off half-way is dropped) and seals the stream's
    /// segment; throws what went wrong on the writer's side, if anything did.
    func close() async throws {
        let stream = self.stream
        do {
            try await thread.perform { writer in try writer.closeStream(stream) }
        } catch {
            count(results.takeFinished())
            throw error
        }
        count(results.takeFinished())
        try results.check()
    }

    private func abandon() async {
        let (stream, results) = (self.stream, self.results)
        await thread.handOver(bytes: 0) { writer in results.run { try writer.abandonMessage(stream) } }
    }

    /// Counts messages once the writer has stored them.
    private func count(_ finished: [(outcome: StoreOutcome, bytes: Int)]) {
        for message in finished {
            report.fetched += 1
            report.bytes += message.bytes
            switch message.outcome {
            case .stored: report.stored += 1
            case .mapped: report.duplicates += 1
            case .alreadyArchived: break
            }
        }
    }
}

/// What the writer's thread reports about one stream: the messages it finished, and the first
/// error, after which it does nothing more for the stream.
final class StreamResults: Sendable {
    private struct State {
        var finished: [(outcome: StoreOutcome, bytes: Int)] = []
        var failure: Error?
    }

    private let state = Mutex(State())

    /// Runs `work` unless the stream has failed; an error it throws fails the stream.
    func run(_ work: () throws -> Void) {
        guard state.withLock({ $0.failure == nil }) else { return }
        do { try work() } catch { state.withLock { if $0.failure == nil { $0.failure = error } } }
    }

    func add(_ outcome: StoreOutcome, bytes: Int) {
        state.withLock { $0.finished.append((outcome, bytes)) }
    }

    func takeFinished() -> [(outcome: StoreOutcome, bytes: Int)] {
        state.withLock { state in
            defer { state.finished.removeAll() }
            return state.finished
        }
    }

    func check() throws {
        if let failure = state.withLock({ $0.failure }) { throw failure }
    }
}
