import Archive
import Foundation
import Logging

/// A vault whose index is being opened while the sessions connect and log in. Opening the
/// index and checking the segments' tails for crash recovery takes milliseconds that a run with
/// nothing new would otherwise spend waiting before its first connection. The caller takes
/// the writer lock first (`VaultDirectory`), so a second run still stops before connecting.
///
/// The opening blocks on files (SQLite, fsync), so it runs on a thread of its own: Swift
/// concurrency has one thread per core, and on a small machine a blocked one delays the
/// sessions' start. It begins once `start` returns (the run's first connection is up): on two
/// cores, opened beside the connection it delayed it.
public final class VaultOpening: Sendable {
    private let task: Task<Vault, Error>

    public init(opening directory: VaultDirectory, settings: VaultSettings, logger: Logger,
                after start: @escaping @Sendable () async -> Void = {}) {
        task = Task {
            await start()
            return try await withCheckedThrowingContinuation { continuation in
                Thread {
                    continuation.resume(with: Result { try Vault(directory: directory, settings: settings, logger: logger) })
                }.start()
            }
        }
    }

    /// The open vault, or the error that opening it raised.
    public var vault: Vault {
        get async throws { try await task.value }
    }

    /// Closes the vault's index. Nothing may use the vault afterwards. Closing leaves the WAL
    /// (`VaultIndex.close`), so it syncs nothing and takes a fraction of a millisecond: done in
    /// place, at the end of a run, where a thread of its own cost the hops to it and back.
    public func close() async throws {
        try await task.value.close()
    }
}
