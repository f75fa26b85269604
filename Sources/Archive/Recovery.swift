import Foundation

/// Crash recovery, run when a vault is opened for writing. A segment still "open" belonged to a
/// writer that did not finish: members after its last committed batch are adopted if they are
/// complete and intact (their metadata says where they belong), the torn rest is cut off, and
/// the segment is sealed. Segment files the index does not know (a crash right after creating
/// one) are treated the same way.
struct Recovery {
    let vault: Vault

    func run() throws {
        let index = vault.index
        var known = Set(try index.segments().map(\.name))
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: vault.segmentsDirectory)) ?? [])
            .filter { $0.hasSuffix(".mbox.gz") }.sorted()
        for name in files where !known.contains(name) {
            guard let id = Int64(name.prefix { $0.isNumber }) else { continue }
            try index.registerSegment(id: id, name: name, now: Int64(Date().timeIntervalSince1970))
            known.insert(name)
        }
        for segment in try index.segments() where segment.state == "open" {
            try recover(segment)
        }
    }

    private func recover(_ segment: SegmentRecord) throws {
        let path = vault.segmentPath(segment.name)
        guard FileManager.default.fileExists(atPath: path) else {
            if segment.committedLength == 0 {
                try vault.index.deleteSegment(id: segment.id)
                return
            }
            throw ArchiveError.corrupt("segment \(path) is missing but the index has committed messages in it; "
                + "restore it from a backup, or run `popvault reindex` to index what remains")
        }
        let scanner = try MemberScanner(path: path)
        var offset = segment.committedLength
        var adopted: [PendingEntry] = []
        var accounts: [String: String] = [:]
        while true {
            guard case .success(let member) = try scanner.readMember(at: offset), member.isIntact else { break }
            adopted.append(Self.entry(for: member, segmentId: segment.id))
            accounts[member.metadata.account] = member.metadata.account
            offset += member.length
        }
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        if fd >= 0 {
            ftruncate(fd, off_t(offset))
            fsync(fd)
            close(fd)
        }
        if !adopted.isEmpty || offset != segment.committedLength {
            vault.logger.notice("recovered an unfinished segment", metadata: [
                "segment": "\(segment.name)", "adopted": "\(adopted.count)", "validBytes": "\(offset)"])
        }
        // A mapping whose content never made it to disk (its writer crashed first) is left out:
        // the next run fetches that message again.
        let adoptedContent = Set(adopted.compactMap { $0.message?.contentHash })
        adopted = try adopted.filter { entry in
            try entry.message != nil || adoptedContent.contains(entry.contentHash) || vault.index.hasMessage(entry.contentHash)
        }
        let knownAccounts = Set(try vault.index.accounts().map(\.id))
        try vault.index.commit(adopted, accountNames: accounts.filter { !knownAccounts.contains($0.key) },
                               segmentId: segment.id, committedLength: offset)
        try SegmentSealer.seal(id: segment.id, path: path, length: offset, index: vault.index)
    }

    /// The index entry a scanned member stands for (used by recovery and reindex).
    static func entry(for member: ScannedMember, segmentId: Int64) -> PendingEntry {
        let metadata = member.metadata
        var entry = PendingEntry(account: metadata.account, uidl: metadata.uidl, contentHash: metadata.contentHash,
                                 message: nil, copies: 1, seenAt: Int64(metadata.archivedAt))
        if metadata.kind == .blob {
            let summary = HeaderSummary.parse(member.prefix)
            entry.message = MessageRecord(contentHash: metadata.contentHash, segmentId: segmentId, offset: member.offset,
                                          memberLength: member.length, canonicalLength: Int64(metadata.canonicalLength),
                                          archivedAt: Int64(metadata.archivedAt), date: summary.date,
                                          dateTime: summary.dateTime.map(Int64.init), fromAddress: summary.from,
                                          toAddress: summary.to, subject: summary.subject, messageId: summary.messageID)
        }
        return entry
    }
}
