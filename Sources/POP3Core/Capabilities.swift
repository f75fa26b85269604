/// What a server announced in its CAPA reply (RFC 2449 §6). Names are case-insensitive.
/// A server without CAPA gets `Capabilities.rfc1939Baseline`.
public struct Capabilities: Sendable, Equatable {
    /// The lines as the server sent them (for display).
    public let lines: [String]
    /// Capability names, upper-cased.
    public let names: Set<String>
    /// SASL mechanisms, upper-cased, in the server's order.
    public let saslMechanisms: [String]
    /// Whether the server answered CAPA at all.
    public let announced: Bool

    /// The most capability lines we read; mpop reads 50, a real server sends about ten.
    public static let maximumLines = 200

    public init(lines: [String], announced: Bool = true) {
        self.lines = lines
        self.announced = announced
        var names = Set<String>()
        var mechanisms: [String] = []
        for line in lines {
            let words = line.split(separator: " ").map { $0.uppercased() }
            guard let name = words.first else { continue }
            names.insert(name)
            if name == "SASL" { mechanisms.append(contentsOf: words.dropFirst()) }
        }
        self.names = names
        self.saslMechanisms = mechanisms
    }

    /// RFC 1939 without extensions: assume USER and UIDL might work and find out by trying.
    public static let rfc1939Baseline = Capabilities(lines: ["USER", "UIDL"], announced: false)

    public func has(_ name: String) -> Bool { names.contains(name.uppercased()) }
    public func offersSASL(_ mechanism: String) -> Bool { saslMechanisms.contains(mechanism.uppercased()) }

    public var pipelining: Bool { has("PIPELINING") }
    public var stls: Bool { has("STLS") }
    public var authResponseCodes: Bool { has("AUTH-RESP-CODE") }

    /// The arguments of a capability line, e.g. `LOGIN-DELAY 900` → `"900"`.
    public func argument(of name: String) -> String? {
        for line in lines {
            let words = line.split(separator: " ", maxSplits: 1)
            if words.first?.uppercased() == name.uppercased() {
                return words.count > 1 ? String(words[1]) : ""
            }
        }
        return nil
    }

    public var implementation: String? { argument(of: "IMPLEMENTATION") }
    public var loginDelay: String? { argument(of: "LOGIN-DELAY") }
    public var expire: String? { argument(of: "EXPIRE") }
}
