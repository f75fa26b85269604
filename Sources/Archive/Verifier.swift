import Foundation

/// A message `verify` found damaged, named so a person can tell which mail it was.
public struct DamagedMessage: Codable, Sendable, Equatable {
    public var contentHash: String
    public var accounts: [String]
    public var uidls: [String]
    public var date: String?
    public var subject: String?
    public var segment: String
    public var offset: Int64
    public var reason: String
}

public struct VerifyReport: Codable, Sendable {
    public var full: Bool
    public var segmentsChecked = 0
    public var messagesChecked = 0
    public var bytesChecked: Int64 = 0
    /// Problems with segments as a whole (missing, wrong length or SHA-256, unknown files,
    /// segments left open by a run that did not finish).
    public var segmentProblems: [String] = []
    public var damagedMessages: [DamagedMessage] = []
    public var ok: Bool { segmentProblems.isEmpty && damagedMessages.isEmpty }
}

/// `popvault verify`, a reader: it changes nothing. Quick: every sealed segment has its recorded
/// length and SHA-256, every index row points inside one, no segment file is unknown, none is
/// left open. Full: additionally every message is read back (inflated, CRC-checked and
/// re-hashed against the index) and each damaged one is named. What crash recovery would do to
/// a segment left open is reported, not done: the next `run` does it.
public struct Verifier {
    public let vault: Vault

    public init(vault: Vault) { self.vault = vault }

    public func run(full: Bool, account: String? = nil, subsetPercent: Double? = nil,
                    progress: ((Int, Int) -> Void)? = nil) throws -> VerifyReport {
        var report = VerifyReport(full: full)
        let index = vault.index
        let segments = try index.segments()
        var sealed: [Int64: SegmentRecord] = [:]
        for segment in segments {
            report.segmentsChecked += 1
            guard segment.state == "sealed", let length = segment.length, let recorded = segment.sha256 else { continue }
            guard let path = try? vault.segmentPath(segment.name) else {
                report.segmentProblems.append("the index names a segment \"\(segment.name)\", which is not a segment file name")
                continue
            }
            var status = stat()
            guard lstat(path, &status) == 0 else {
                report.segmentProblems.append("\(segment.name): file is missing")
                continue
            }
            guard status.st_mode & S_IFMT == S_IFREG else {
                report.segmentProblems.append("\(segment.name): not a regular file (a symlink?); popvault does not follow it")
                continue
            }
            if Int64(status.st_size) != length {
                report.segmentProblems.append("\(segment.name): \(status.st_size) bytes on disk, \(length) recorded")
            } else if try FileDigest.sha256(path: path, length: length) != recorded {
                report.segmentProblems.append("\(segment.name): SHA-256 differs from the recorded one (damaged; "
                    + (full ? "see the damaged messages below)" : "run `popvault verify --full` to name the messages)"))
            }
            sealed[segment.id] = segment
        }
        for plan in try Recovery(vault: vault).plans() {
            report.segmentProblems.append(plan.description + " (the next `popvault run` does it)")
        }
        for file in try vault.unknownSegmentFiles() {
            report.segmentProblems.append("\(file): a file the index does not know, left untouched "
                + "(`popvault reindex --quarantine` moves it to quarantine/; `popvault reindex` indexes it if it is a segment)")
        }

        var messages = try index.allMessages()
        if let account {
            let hashes = Set(try index.allEntries().filter { $0.accountId == account }.map(\.contentHash))
            messages = messages.filter { hashes.contains($0.contentHash) }
        }
        if let subsetPercent, subsetPercent < 100 {
            var generator = SystemRandomNumberGenerator()
            messages = messages.filter { _ in Double.random(in: 0..<100, using: &generator) < subsetPercent }
        }
        // The UIDL and account a blob's header names are outside every checksum but the segment's;
        // a flipped byte there still decodes, so the index's mappings say whether they are right.
        let mappings = full ? Set(try index.allEntries().map { MappingKey(account: $0.accountId, uidl: $0.uidl, contentHash: $0.contentHash) }) : []
        var scanners: [Int64: MemberScanner] = [:]
        for (position, message) in messages.enumerated() {
            progress?(position, messages.count)
            report.messagesChecked += 1
            guard let segment = sealed[message.segmentId], let length = segment.length else {
                try report.damagedMessages.append(describe(message, segment: "segment \(message.segmentId)", reason: "its segment is missing, unsealed or damaged"))
                continue
            }
            let (end, overflow) = message.offset.addingReportingOverflow(message.memberLength)
            guard message.offset >= 0, message.memberLength > 0, !overflow, end <= length else {
                try report.damagedMessages.append(describe(message, segment: segment.name, reason: "points outside its segment"))
                continue
            }
            guard full else { continue }
            let scanner = try scanners[segment.id] ?? MemberScanner(path: vault.segmentPath(segment.name), limit: length)
            scanners[segment.id] = scanner
            switch try scanner.readMember(at: message.offset, expectedLength: message.canonicalLength) {
            case .failure(let problem):
                try report.damagedMessages.append(describe(message, segment: segment.name, reason: problem.reason))
            case .success(let member):
                report.bytesChecked += member.length
                if member.computedHash != message.contentHash || member.metadata.contentHash != message.contentHash {
                    try report.damagedMessages.append(describe(message, segment: segment.name, reason: "content does not match its SHA-256"))
                } else if member.length != message.memberLength {
                    try report.damagedMessages.append(describe(message, segment: segment.name, reason: "member length differs from the index"))
                } else if !mappings.contains(MappingKey(account: member.metadata.account, uidl: member.metadata.uidl,
                                                        contentHash: message.contentHash)) {
                    try report.damagedMessages.append(describe(message, segment: segment.name,
                                                               reason: "its header names an account or UIDL the index does not map to it"))
                }
            }
        }
        return report
    }

    private func describe(_ message: MessageRecord, segment: String, reason: String) throws -> DamagedMessage {
        let entries = try vault.index.entries(forContent: message.contentHash)
        return DamagedMessage(contentHash: message.contentHash, accounts: Array(Set(entries.map(\.accountId))).sorted(),
                              uidls: entries.map(\.uidl), date: message.date, subject: message.subject,
                              segment: segment, offset: message.offset, reason: reason)
    }
}

/// One (account, UIDL, content) mapping of the index.
private struct MappingKey: Hashable {
    let account: String
    let uidl: String
    let contentHash: String
}
