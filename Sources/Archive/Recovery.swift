import Foundation

/// Crash recovery, run when a vault is opened for writing. A segment the index records as
/// `open` was being written by a run that did not finish: the members after its last committed
/// batch are adopted if they are complete and intact (their metadata says where they belong),
/// the torn rest is cut off, and the segment is sealed.
///
/// Recovery touches nothing else. It works only on segments the index records as open, by the
/// names the index gives, and only on regular files this user owns; a file the index does not
/// know, a symlink or a file of another owner is never modified or removed (`verify` reports
/// it, `reindex --quarantine` sets it aside).
struct Recovery {
    let vault: Vault

    /// What recovery would do to one open segment.
    struct Plan: Sendable {
        let segment: SegmentRecord
        /// Nil when the file cannot be recovered; the reason is in `problem`.
        let adopted: [PendingEntry]
        let validLength: Int64
        let fileLength: Int64
        let problem: String?

        var description: String {
            if let problem { return "segment \(segment.name) was left open by a run that did not finish, and cannot be recovered: \(problem)" }
            return "segment \(segment.name) was left open by a run that did not finish: \(adopted.count) intact members "
                + "after its last commit are to be adopted" + (fileLength > validLength ? ", and \(fileLength - validLength) bytes of a torn write cut off" : "")
        }
    }

    /// Recovers every open segment; returns a line for each one recovered.
    func run() throws -> [String] {
        var notes: [String] = []
        for plan in try plans() {
            if let problem = plan.problem { throw ArchiveError.unsafe("cannot recover segment \(plan.segment.name): \(problem)") }
            try apply(plan)
            if !plan.adopted.isEmpty || plan.fileLength != plan.validLength {
                notes.append("recovered segment \(plan.segment.name): adopted \(plan.adopted.count) messages, kept \(plan.validLength) bytes")
            }
        }
        return notes
    }

    /// What recovery would do, changing nothing (for `verify`).
    func plans() throws -> [Plan] {
        try vault.index.segments().filter { $0.state == "open" }.map(plan)
    }

    private func plan(_ segment: SegmentRecord) throws -> Plan {
        let path = try vault.segmentPath(segment.name)
        guard FileSafety.exists(path) else {
            let problem = segment.committedLength == 0 ? nil
                : "the file is missing but the index has committed messages in it; restore it from a backup, or run `popvault reindex`"
            return Plan(segment: segment, adopted: [], validLength: 0, fileLength: 0, problem: problem)
        }
        if let problem = FileSafety.fileProblem(path) {
            return Plan(segment: segment, adopted: [], validLength: 0, fileLength: 0, problem: problem + "; it was left untouched")
        }
        let scanner = try MemberScanner(path: path)
        guard scanner.fileLength >= segment.committedLength else {
            return Plan(segment: segment, adopted: [], validLength: 0, fileLength: scanner.fileLength,
                        problem: "it is shorter (\(scanner.fileLength) bytes) than its committed \(segment.committedLength) bytes; run `popvault reindex`")
        }
        var offset = segment.committedLength
        var adopted: [PendingEntry] = []
        while case .success(let member) = try scanner.readMember(at: offset), member.isIntact {
            adopted.append(Self.entry(for: member, segmentId: segment.id))
            offset += member.length
        }
        return Plan(segment: segment, adopted: adopted, validLength: offset, fileLength: scanner.fileLength, problem: nil)
    }

    private func apply(_ plan: Plan) throws {
        let segment = plan.segment
        let path = try vault.segmentPath(segment.name)
        guard FileSafety.exists(path) else {
            try vault.index.deleteSegment(id: segment.id)
            return
        }
        let fd = try FileSafety.open(path, O_WRONLY)
        let cut = ftruncate(fd, off_t(plan.validLength)) == 0 && fsync(fd) == 0
        close(fd)
        guard cut else { throw ArchiveError.io("cannot cut \(path) to \(plan.validLength) bytes: \(String(cString: strerror(errno)))") }
        // A mapping whose content never reached the disk (its writer crashed first) is left out:
        // the next run fetches that message again.
        let adoptedContent = Set(plan.adopted.compactMap { $0.message?.contentHash })
        let adopted = try plan.adopted.filter { entry in
            try entry.message != nil || adoptedContent.contains(entry.contentHash) || vault.index.hasMessage(entry.contentHash)
        }
        let knownAccounts = Set(try vault.index.accounts().map(\.id))
        let accounts = Dictionary(adopted.map { ($0.account, $0.account) }, uniquingKeysWith: { first, _ in first })
            .filter { !knownAccounts.contains($0.key) }
        try vault.index.commit(adopted, accountNames: accounts,
                               committedLengths: [CommittedLength(segmentId: segment.id, length: plan.validLength)])
        try SegmentSealer.seal(id: segment.id, path: path, length: plan.validLength, index: vault.index)
    }

    /// The index entry a scanned member stands for (used by recovery and reindex).
    static func entry(for member: ScannedMember, segmentId: Int64) -> PendingEntry {
        let metadata = member.metadata
        var entry = PendingEntry(account: metadata.account, uidl: metadata.uidl, contentHash: metadata.contentHash,
                                 message: nil, searchBody: nil, copies: 1, seenAt: Int64(metadata.archivedAt))
        if metadata.kind == .blob {
            let summary = HeaderSummary.parse(member.prefix)
            entry.message = MessageRecord(contentHash: metadata.contentHash, segmentId: segmentId, offset: member.offset,
                                          memberLength: member.length, canonicalLength: Int64(metadata.canonicalLength),
                                          archivedAt: Int64(metadata.archivedAt), summary: summary)
            entry.searchBody = summary.body
        }
        return entry
    }
}
