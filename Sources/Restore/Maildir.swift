import Archive
import Crypto
import Escaping
import Foundation

/// One Maildir that restore writes into (`tmp/`, `new/`, `cur/`, made if missing), and the
/// messages it already holds.
///
/// Restore is idempotent because its file names are content-addressed: a message is the file
/// named by its content hash, in `new/`, or in `cur/` with Maildir flags after a `:` (where a
/// mail client moves it when it is read, adding flags to the name). Whatever sits in `new/` or
/// `cur/` under a hash's name is that message, so a second restore writes nothing, and one
/// killed half-way leaves only whole files behind: each is written to `tmp/`, fsynced and then
/// renamed (in batches, `FileBatch`), and leftovers in `tmp/` (named `HASH.PID.restoring`) are
/// removed by the next restore.
/// Planning (`claim`) happens on one thread; deliveries, from several, only read the
/// directories' descriptors, hence `@unchecked Sendable`.
final class Maildir: @unchecked Sendable {
    let directory: OutputDirectory
    private let tmp: OutputDirectory
    private let new: OutputDirectory
    private let cur: OutputDirectory
    private var present: Set<String> = []

    init(_ directory: OutputDirectory) throws {
        self.directory = directory
        tmp = try OutputDirectory(inside: directory, named: "tmp")
        new = try OutputDirectory(inside: directory, named: "new")
        cur = try OutputDirectory(inside: directory, named: "cur")
        for name in try new.names() + cur.names() {
            let base = String(name.prefix { $0 != ":" && $0 != "," })
            if MemberMetadata.isContentHash(base) { present.insert(base) }
        }
        for name in try tmp.names() where Self.isLeftover(name) { tmp.remove(name) }
    }

    /// Whether the message is still to be delivered here: false if the Maildir holds it or it
    /// was claimed before; it is claimed now.
    func claim(_ contentHash: String) -> Bool {
        present.insert(contentHash).inserted
    }

    /// Delivers a message: its bytes from `fill` into `tmp/`, with the modification time
    /// `time`; `batch` fsyncs it and renames it into `new/` (or `cur/`, flagged seen). Returns
    /// the bytes written.
    func deliver(_ contentHash: String, time: Int64, seen: Bool, batch: FileBatch,
                 fill: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws -> Int {
        try batch.add(seen ? contentHash + ":2,S" : contentHash, in: seen ? cur : new, staging: tmp,
                      temporaryName: "\(contentHash).\(getpid()).restoring", time: time, fill: fill)
    }

    /// A temporary file a restore left (`HASH.PID.restoring`).
    static func isLeftover(_ name: String) -> Bool {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 3 && MemberMetadata.isContentHash(String(parts[0])) && !parts[1].isEmpty
            && parts[1].allSatisfy { $0.isASCII && $0.isNumber } && parts[2] == "restoring"
    }
}

/// Where restore puts each account's messages. Restoring exactly one account gives one Maildir,
/// DIR itself; anything else gives a Maildir per account, `DIR/ACCOUNT`, named by the account's
/// id (letters, digits, `-`, `_` and `%XX`, as popvault makes ids), so that a message two
/// accounts received is restored into both. An id a vault holds that is not of that form (a
/// hand-made or tampered vault) is never used as a name: `account-` and the start of its
/// SHA-256 stand for it. Pure.
public enum RestoreLayout {
    /// The subdirectory for `account`, nil when DIR itself is the Maildir.
    public static func directory(forAccount account: String, singleAccount: Bool) -> String? {
        guard !singleAccount else { return nil }
        let safe = account.utf8.count <= 200 && !account.isEmpty && account.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "%")
        }
        return safe ? account : "account-" + String(Hex.lowerCase(SHA256.hash(data: Array(account.utf8))).prefix(16))
    }
}
