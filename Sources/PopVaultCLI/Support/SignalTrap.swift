import Backup
import Foundation

/// SIGINT/SIGTERM raise the stop flag (finish the messages in flight, commit, QUIT); a second
/// signal exits at once — committed work is safe either way (invariant 4).
final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []

    init(stop: StopFlag) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.isRaised { exit(130) }
                Terminal.error("stopping: finishing the messages in flight, then committing (signal again to quit at once)")
                stop.raise()
            }
            source.resume()
            sources.append(source)
        }
    }
}
