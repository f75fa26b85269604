/// The validated contents of `popvault.toml` (DESIGN §6). Every value here has been checked;
/// code that receives a `PopVaultConfig` need not check again.
public struct PopVaultConfig: Sendable {
    /// The file the configuration came from.
    public var file: String
    /// The archive directory.
    public var vault: String
    /// A directory of the user's own policy files (`policies = "DIR"`), besides the shipped ones.
    public var policiesDirectory: String?
    public var defaults: Defaults
    public var accounts: [AccountConfig]

    public func account(named name: String) -> AccountConfig? { accounts.first { $0.name == name } }
}

public struct Defaults: Sendable, Equatable {
    /// Accounts fetched at once (`parallel`, or `run --parallel`), within `parallelRange`.
    public var parallel = 4
    public static let parallelRange = 1...64
    /// Connections at once to one host (servers such as Courier limit connections per IP).
    public var perHostConnections = 2
    public var policy = "keep-everything"
    public var maxDeletesPerRun: Int?
    public var connectTimeoutSeconds = 30
    public var replyTimeoutSeconds = 180
    /// Attempts per account in one run for transient failures (in use, login delay, network).
    public var retries = 3
    /// igzip (ISA-L) level of new segments, 1–3; 1 is the default (docs/DECISIONS.md).
    public var compressionLevel = 1
    /// Wall-clock limit for one account in one run; enforced inside a retrieval too.
    public var accountTimeLimitSeconds = 4 * 3600
    /// After SIGTERM or SIGINT, how long the messages in flight may take; then the connections
    /// are dropped, what is complete is committed, and the run exits.
    public var stopGraceSeconds = 10
    /// How long `password_command` or `token_command` may take before it is killed.
    public var secretTimeoutSeconds = 60
    /// Messages larger than this are skipped and reported (`max_message_size`).
    public var maxMessageBytes: Int? = 200_000_000

    public init() {}
}

public enum TLSMode: String, Sendable, CaseIterable {
    case implicit, starttls, none
}

public enum AuthChoice: String, Sendable, CaseIterable {
    case auto, user, apop, plain, xoauth2, oauthbearer
}

/// Where an account's secret comes from. The secret itself is never stored in the config model.
public enum SecretSource: Sendable, Equatable {
    case passwordCommand(String)
    case passwordFile(String)
    case passwordEnvironment(String)
    case tokenCommand(String)

    public var isToken: Bool {
        if case .tokenCommand = self { return true }
        return false
    }

    /// The config key this source came from, for error messages.
    public var key: String {
        switch self {
        case .passwordCommand: return "password_command"
        case .passwordFile: return "password_file"
        case .passwordEnvironment: return "password_env"
        case .tokenCommand: return "token_command"
        }
    }
}

public struct AccountConfig: Sendable {
    /// The name as the user wrote it.
    public var name: String
    /// A directory-safe identifier derived from the name (see `AccountIdentifier`).
    public var id: String
    public var host: String
    public var port: Int
    public var tls: TLSMode
    public var caFile: String?
    /// SHA-256 of the server certificate (32 bytes), if pinned.
    public var tlsFingerprint: [UInt8]?
    public var user: String
    public var auth: AuthChoice
    public var secret: SecretSource
    public var allowPlaintextAuth: Bool
    public var policy: String
    public var maxDeletesPerRun: Int?
    /// Messages larger than this are skipped and reported; nil: no limit.
    public var maxMessageBytes: Int?
}
