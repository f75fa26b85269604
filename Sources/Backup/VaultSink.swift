import Archive
import POP3
import POP3Core

/// Streams retrieved messages into the vault and keeps the session's counts. The bytes go to a
/// `BackgroundVaultWriter`, which compresses, writes and commits them on a thread of its own while
/// the next message arrives; batches are committed as they fill, so a crash or a cut connection
/// loses at most one batch of work.
final class VaultSink: RetrievalSink {
    private let writer: BackgroundVaultWriter
    private let account: String
    private let uidls: [Int: String]
    private let maxMessageBytes: Int?
    private var currentBytes = 0
    private var oversized = false
    private(set) var report: AccountReport
    private let progress: (AccountReport) -> Void

    init(writer: BackgroundVaultWriter, account: String, plan: FetchPlan, maxMessageBytes: Int?, report: AccountReport,
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
        try writer.finishMessage(tag: currentBytes)
        count(writer.takeFinished())
        progress(report)
    }

    func messageRefused(number: Int, reply: StatusLine) async throws {
        report.skipped.append(SkippedMessage(uidl: uidls[number] ?? "#\(number)", reason: "server refused RETR: \(reply)"))
    }

    /// Commits what is complete (a message cut off half-way is dropped) and seals the segment.
    func close() throws {
        defer { count(writer.takeFinished()) }
        try writer.close()
    }

    /// Counts messages once the writer has stored them; each one's tag is its size.
    private func count(_ finished: [BackgroundVaultWriter.Finished]) {
        for message in finished {
            report.fetched += 1
            report.bytes += message.tag
            switch message.outcome {
            case .stored: report.stored += 1
            case .mapped: report.reidentified += 1
            case .alreadyArchived: break
            }
        }
    }
}
