import Foundation

/// `popvault reindex`: rebuilds the index from the segments alone into a new file, then swaps
/// it in. Run history (the `run` table) is not in the segments and starts afresh.
public enum Reindexer {
    public struct Summary: Sendable, Codable {
        public var segments = 0
        public var messages = 0
        public var mappings = 0
        public var damagedRegions: [String] = []
    }

    public static func rebuild(root: String) throws -> Summary {
        let lock = try VaultLock(root: root)
        defer { withExtendedLifetime(lock) {} }
        let segmentsDirectory = root + "/segments"
        let target = root + "/index.sqlite"
        let fresh = root + "/index.sqlite.rebuild"
        for suffix in ["", "-wal", "-shm"] { unlink(fresh + suffix) }
        var summary = Summary()
        do {
            let index = try VaultIndex(path: fresh)
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: segmentsDirectory)) ?? [])
                .filter { $0.hasSuffix(".mbox.gz") }.sorted()
            for name in files {
                guard let id = Int64(name.prefix { $0.isNumber }) else { continue }
                let path = segmentsDirectory + "/" + name
                try index.registerSegment(id: id, name: name, now: Int64(Date().timeIntervalSince1970))
                var batch: [PendingEntry] = []
                var accounts: [String: String] = [:]
                let scanner = try MemberScanner(path: path)
                let end = try scanner.scan { event in
                    switch event {
                    case .member(let member):
                        batch.append(Recovery.entry(for: member, segmentId: id))
                        accounts[member.metadata.account] = member.metadata.account
                        if member.metadata.kind == .blob { summary.messages += 1 } else { summary.mappings += 1 }
                    case .damaged(let offset, let resumed, let reason):
                        summary.damagedRegions.append("\(name) at \(offset)\(resumed.map { "–\($0)" } ?? "–end"): \(reason)")
                    }
                    if batch.count >= 1000 {
                        try index.commit(batch, accountNames: accounts, segmentId: nil, committedLength: 0)
                        batch.removeAll()
                    }
                }
                try index.commit(batch, accountNames: accounts, segmentId: id, committedLength: end)
                let length = Int64((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)??.int64Value ?? end)
                try SegmentSealer.seal(id: id, path: path, length: length, index: index)
                summary.segments += 1
            }
            try index.checkpoint()
        }
        for suffix in ["-wal", "-shm"] { unlink(target + suffix) }
        guard rename(fresh, target) == 0 else {
            throw ArchiveError.io("cannot move \(fresh) to \(target): \(String(cString: strerror(errno)))")
        }
        for suffix in ["-wal", "-shm"] { unlink(fresh + suffix) }
        try fsyncDirectory(root)
        return summary
    }
}
