import Synchronization

/// Ends a session that must stop now: at the account's time limit, or once a stop has been
/// raised for longer than its grace, the session's connection is dropped, so that whatever it
/// waits for fails at once. No server can hold a run past these, however it sends its bytes
/// (a reply time-out only fires on silence; a server that trickles a byte a minute never goes
/// silent).
enum SessionWatchdog {
    /// How often the deadlines are looked at.
    static let period = Duration.milliseconds(100)

    /// Returns when it has interrupted the session, or when its task is cancelled.
    static func watch(_ interrupt: SessionInterrupt, deadline: ContinuousClock.Instant, stop: StopFlag, grace: Duration) async {
        while !Task.isCancelled {
            if ContinuousClock.now >= deadline {
                return interrupt.fire(reason: "stopped at the account time limit")
            }
            if stop.hasBeenRaised(for: grace) {
                return interrupt.fire(reason: "stopped: the stop's grace of \(grace.components.seconds) s ran out with messages in flight")
            }
            try? await Task.sleep(for: period)
        }
    }
}

/// How a session is interrupted: the connection's `interrupter`, attached once connected. A
/// fire before that is kept, and the connection is dropped as soon as it is attached.
final class SessionInterrupt: Sendable {
    private struct State {
        var interrupter: (@Sendable () -> Void)?
        var reason: String?
    }

    private let state = Mutex(State())

    /// Why the session was interrupted, if it was.
    var reason: String? { state.withLock { $0.reason } }

    func attach(_ interrupter: @escaping @Sendable () -> Void) {
        let fired = state.withLock { state -> Bool in
            state.interrupter = interrupter
            return state.reason != nil
        }
        if fired { interrupter() }
    }

    func fire(reason: String) {
        let interrupter = state.withLock { state -> (@Sendable () -> Void)? in
            if state.reason == nil { state.reason = reason }
            return state.interrupter
        }
        interrupter?()
    }
}
