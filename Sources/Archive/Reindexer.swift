import Foundation

/// `popvault reindex`: rebuilds the index from the segments alone into a new file, then swaps
/// it in. Run history (the `run` table) is not in the segments and starts afresh.
///
/// Only regular files of this user with a segment's name are read. Anything else in
/// `segments/` (another name, a symlink, a file of another owner) is reported and left where
/// it is, or with `quarantine` moved into `VAULT/quarantine/`, together with segment-named files
/// that hold no intact member at all.
public enum Reindexer {
    public struct Summary: Sendable, Codable {
        public var segments = 0
        public var messages = 0
        public var mappings = 0
        public var damagedRegions: [String] = []
        /// Files of `segments/` that were not indexed, and why.
        public var skippedFiles: [String] = []
        /// Files moved into `quarantine/`.
        public var quarantined: [String] = []
    }

    public static func rebuild(root: String, quarantine: Bool = false) throws -> Summary {
        let directory = try VaultDirectory(at: root, access: .write)
        let root = directory.root
        let segmentsDirectory = root + "/segments"
        let target = root + "/index.sqlite"
        let fresh = root + "/index.sqlite.rebuild"
        for suffix in ["", "-wal", "-shm"] { unlink(fresh + suffix) }
        var summary = Summary()
        var setAside: [String] = []
        do {
            let index = try VaultIndex(path: fresh, vaultRoot: root)
            for name in try FileSafety.names(in: segmentsDirectory).sorted() {
                let path = segmentsDirectory + "/" + name
                guard let id = SegmentName.id(of: name) else {
                    summary.skippedFiles.append("\(name): not a segment file name")
                    setAside.append(name)
                    continue
                }
                if let problem = FileSafety.fileProblem(path) {
                    summary.skippedFiles.append("\(name): \(problem)")
                    setAside.append(name)
                    continue
                }
                let (entries, end, damage) = try scan(path, name: name, segmentId: id)
                if quarantine && entries.isEmpty {
                    summary.skippedFiles.append("\(name): holds no intact member")
                    setAside.append(name)
                    continue
                }
                summary.damagedRegions += damage
                try index.registerSegment(id: id, name: name, now: Int64(Date().timeIntervalSince1970))
                for batch in stride(from: 0, to: entries.count, by: 1000).map({ Array(entries[$0..<min($0 + 1000, entries.count)]) }) {
                    let accounts = Dictionary(batch.map { ($0.account, $0.account) }, uniquingKeysWith: { first, _ in first })
                    try index.commit(batch, accountNames: accounts, committedLengths: [])
                }
                summary.messages += entries.filter { $0.message != nil }.count
                summary.mappings += entries.filter { $0.message == nil }.count
                var status = stat()
                let length = lstat(path, &status) == 0 ? Int64(status.st_size) : end
                try index.commit([], accountNames: [:], committedLengths: [CommittedLength(segmentId: id, length: end)])
                try SegmentSealer.seal(id: id, path: path, length: length, index: index)
                summary.segments += 1
            }
            try index.checkpoint()
            try index.close()
        }
        for suffix in ["-wal", "-shm"] { unlink(target + suffix) }
        guard rename(fresh, target) == 0 else {
            throw ArchiveError.io("cannot move \(fresh) to \(target): \(String(cString: strerror(errno)))")
        }
        for suffix in ["-wal", "-shm"] { unlink(fresh + suffix) }
        if quarantine && !setAside.isEmpty {
            let quarantineDirectory = root + "/quarantine"
            guard mkdir(quarantineDirectory, 0o700) == 0 || errno == EEXIST else {
                throw ArchiveError.io("cannot create \(quarantineDirectory): \(String(cString: strerror(errno)))")
            }
            for name in setAside {
                // rename moves a symlink itself, never what it points to.
                guard rename(segmentsDirectory + "/" + name, quarantineDirectory + "/" + name) == 0 else {
                    throw ArchiveError.io("cannot move segments/\(name) to quarantine/: \(String(cString: strerror(errno)))")
                }
                summary.quarantined.append(name)
            }
            try fsyncDirectory(quarantineDirectory)
            try fsyncDirectory(segmentsDirectory)
        }
        try fsyncDirectory(root)
        withExtendedLifetime(directory) {}
        return summary
    }

    /// Every intact member of a segment file, where the last one ends, and the damaged regions.
    private static func scan(_ path: String, name: String, segmentId: Int64) throws -> ([PendingEntry], Int64, [String]) {
        var entries: [PendingEntry] = []
        var damage: [String] = []
        let end = try MemberScanner(path: path).scan { event in
            switch event {
            case .member(let member):
                entries.append(Recovery.entry(for: member, segmentId: segmentId))
            case .damaged(let offset, let resumed, let reason):
                damage.append("\(name) at \(offset)\(resumed.map { "–\($0)" } ?? "–end"): \(reason)")
            }
        }
        return (entries, end, damage)
    }
}
