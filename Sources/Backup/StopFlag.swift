import Synchronization

/// Raised by SIGINT/SIGTERM: sessions send no further RETR, finish the messages in flight,
/// commit and QUIT. A session still busy `stop_grace` after the stop was raised has its
/// connection dropped (`SessionWatchdog`), so a stop always ends.
public final class StopFlag: Sendable {
    private let raisedAt = Mutex<ContinuousClock.Instant?>(nil)

    public init() {}

    public func raise() {
        raisedAt.withLock { if $0 == nil { $0 = .now } }
    }

    public var isRaised: Bool { raisedAt.withLock { $0 != nil } }

    /// Whether the stop was raised at least `grace` ago.
    public func hasBeenRaised(for grace: Duration) -> Bool {
        raisedAt.withLock { $0.map { ContinuousClock.now - $0 >= grace } ?? false }
    }
}
