import Config

/// The accounts a run starts at once: the first `parallel` in the config's order and, of those,
/// at most `perHost` per server (as `HostLimiter` counts them). Their connections are begun
/// early (`EarlyConnection`); the others wait for a turn anyway.
enum FirstWave {
    static func accounts(_ accounts: [AccountConfig], parallel: Int, perHost: Int) -> [AccountConfig] {
        var perServer: [String: Int] = [:]
        return accounts.prefix(max(1, parallel)).filter { account in
            let host = HostLimiter.server(of: account.host)
            perServer[host, default: 0] += 1
            return perServer[host, default: 0] <= max(1, perHost)
        }
    }
}
