import Synchronization

/// Set by SIGINT/SIGTERM (or a time limit): sessions stop sending RETRs, finish the messages in
/// flight, commit, and QUIT.
public final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)

    public init() {}

    public func raise() { raised.store(true, ordering: .relaxed) }
    public var isRaised: Bool { raised.load(ordering: .relaxed) }
}
