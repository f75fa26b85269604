/// An extended response code (RFC 2449 §8, RFC 3206), the bracketed word after `-ERR`.
/// Codes are hierarchical: an unknown sub-code is treated as its parent (`SYS/FOO` → `SYS`).
public struct ResponseCode: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: String

    public init(_ rawValue: String) { self.rawValue = rawValue.uppercased() }

    public static let inUse = ResponseCode("IN-USE")
    public static let loginDelay = ResponseCode("LOGIN-DELAY")
    public static let systemTemporary = ResponseCode("SYS/TEMP")
    public static let systemPermanent = ResponseCode("SYS/PERM")
    public static let auth = ResponseCode("AUTH")

    /// The top of the hierarchy: `SYS/TEMP` → `SYS`.
    public var root: String { rawValue.split(separator: "/").first.map(String.init) ?? rawValue }

    public var description: String { "[\(rawValue)]" }
}
