import Backup
import Foundation

/// SIGINT/SIGTERM raise the stop flag: the sessions finish the messages in flight within the
/// grace, commit and QUIT (`StopFlag`, `SessionWatchdog`); a second signal exits at once.
/// Committed work is safe either way (invariant 4).
final class SignalTrap {
    private let sources: [any DispatchSourceSignal]

    init(stop: StopFlag, grace: Int) {
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.isRaised { exit(130) }
                Terminal.error("stopping: finishing the messages in flight for at most \(grace) s, then committing "
                    + "(signal again to quit at once)")
                stop.raise()
            }
            source.resume()
            return source
        }
    }
}
