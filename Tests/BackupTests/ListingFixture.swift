import POP3Core

extension UIDLListing {
    /// A listing of (message number, UIDL) pairs, in the order given.
    init(_ pairs: [(Int, String)]) {
        self.init()
        entries = pairs.map { UIDLEntry(number: $0.0, uidl: $0.1) }
    }
}
