/// A user name and the secret that proves it. `description` never shows the secret, so a
/// credential that ends up in a log line or an error by accident stays harmless.
public struct Credentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public enum Secret: Sendable { case password(String), token(String) }

    public let user: String
    public let secret: Secret

    public init(user: String, secret: Secret) {
        self.user = user
        self.secret = secret
    }

    public var isToken: Bool {
        if case .token = secret { return true }
        return false
    }

    public var secretValue: String {
        switch secret {
        case .password(let value), .token(let value): return value
        }
    }

    public var description: String { "\(user) (\(isToken ? "token" : "password") redacted)" }
    public var debugDescription: String { description }
}
