import Archive
import POP3
import POP3Core

/// Streams retrieved messages into the vault and keeps the session's counts. Commits whenever
/// the writer's batch is full, so a crash or a cut connection loses at most one batch of work.
final class VaultSink: RetrievalSink {
    private let writer: VaultWriter
    private let account: String
    private let uidls: [Int: String]
    private let maxMessageBytes: Int?
    private var currentBytes = 0
    private var oversized = false
    private(set) var report: AccountReport
    private let progress: (AccountReport) -> Void

    init(writer: VaultWriter, account: String, plan: FetchPlan, maxMessageBytes: Int?, report: AccountReport,
         progress: @escaping (AccountReport) -> Void) {
        self.writer = writer
        self.account = account
        self.uidls = Dictionary(plan.fetch.map { ($0.number, $0.uidl) }, uniquingKeysWith: { first, _ in first })
        self.maxMessageBytes = maxMessageBytes
        self.report = report
        self.progress = progress
    }

    func messageStarted(number: Int) throws {
        currentBytes = 0
        oversized = false
        try writer.beginMessage(account: account, uidl: uidls[number] ?? "")
    }

    func messageBytes(_ bytes: UnsafeRawBufferPointer) throws {
        currentBytes += bytes.count
        if let limit = maxMessageBytes, currentBytes > limit {
            if !oversized { try writer.abandonMessage() }
            oversized = true
            return
        }
        try writer.write(bytes)
    }

    func messageFinished(number: Int) async throws {
        if oversized {
            report.skipped.append(SkippedMessage(uidl: uidls[number] ?? "#\(number)", reason: "over max_message_size"))
            return
        }
        let outcome = try writer.finishMessage()
        report.fetched += 1
        report.bytes += currentBytes
        switch outcome {
        case .stored: report.stored += 1
        case .mapped: report.reidentified += 1
        case .alreadyArchived: break
        }
        if writer.shouldCommit { try writer.commit() }
        progress(report)
    }

    func messageRefused(number: Int, reply: StatusLine) async throws {
        report.skipped.append(SkippedMessage(uidl: uidls[number] ?? "#\(number)", reason: "server refused RETR: \(reply)"))
    }

    /// Drops a half-written message (the connection broke) and commits what is complete.
    func salvage() throws {
        try writer.abandonMessage()
        try writer.commit()
    }
}
