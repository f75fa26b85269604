/// At most `limit` connections at once to one host: servers such as Courier refuse more than a
/// few per client address, and a backup should not look like an attack.
actor HostLimiter {
    private let limit: Int
    private var inUse: [String: Int] = [:]
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    init(limit: Int) { self.limit = max(1, limit) }

    /// The name connections to a server are counted under: host names are case-insensitive.
    nonisolated static func server(of host: String) -> String { host.lowercased() }

    func acquire(_ host: String) async {
        if inUse[host, default: 0] < limit {
            inUse[host, default: 0] += 1
            return
        }
        await withCheckedContinuation { waiting[host, default: []].append($0) }
    }

    func release(_ host: String) {
        if var queue = waiting[host], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[host] = queue
            next.resume()
        } else {
            inUse[host, default: 1] -= 1
        }
    }
}
