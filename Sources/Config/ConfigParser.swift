import Foundation
import TOMLKit

/// Parses and validates the text of a `popvault.toml`. Pure: no file is read here (paths named
/// in the config are checked by `ConfigLoader`). Collects every problem before failing.
public enum ConfigParser {
    static let topKeys: Set<String> = ["vault", "policies", "defaults", "account"]
    static let defaultsKeys: Set<String> = ["parallel", "per_host_connections", "policy", "max_deletes_per_run",
                                            "connect_timeout", "reply_timeout", "retries", "account_time_limit",
                                            "compression_level", "stop_grace", "secret_timeout", "max_message_size"]
    static let accountKeys: Set<String> = ["name", "host", "port", "tls", "ca_file", "tls_fingerprint", "user", "auth",
                                           "password_command", "password_file", "password_env", "token_command",
                                           "allow_plaintext_auth", "policy", "max_deletes_per_run", "max_message_size"]

    /// An account name's id goes into every member header, which holds 64 KiB in all.
    static let maximumNameLength = 256

    public static func parse(_ text: String, file: String) throws(ConfigErrors) -> PopVaultConfig {
        if let error = controlCharacter(in: text, file: file) ?? tableHeaderWithoutKey(in: text, file: file) {
            throw ConfigErrors(errors: [error])
        }
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigErrors(errors: [ConfigError(file: file, line: error.source.begin.line,
                                                    message: "not valid TOML: \(error.description) (column \(error.source.begin.column))")])
        } catch {
            throw ConfigErrors(errors: [ConfigError(file: file, message: "not valid TOML: \(error)")])
        }
        let locator = LineLocator(file: file, text: text)
        var top = TableReader(root, path: "", locator: locator, section: .top)
        top.rejectUnknownKeys(topKeys)
        let vault = top.required("vault", "the archive directory, e.g. vault = \"/var/lib/popvault\"")
        let policies = top.string("policies")
        var errors = top.errors

        var defaults = Defaults()
        if let value = root["defaults"] {
            if let table = value.table {
                var reader = TableReader(table, path: "defaults", locator: locator, section: .table("defaults"))
                reader.rejectUnknownKeys(defaultsKeys)
                defaults.parallel = reader.int("parallel", in: Defaults.parallelRange) ?? defaults.parallel
                defaults.perHostConnections = reader.int("per_host_connections", in: 1...64) ?? defaults.perHostConnections
                defaults.policy = reader.string("policy") ?? defaults.policy
                defaults.maxDeletesPerRun = reader.int("max_deletes_per_run", in: 0...10_000_000)
                defaults.connectTimeoutSeconds = reader.int("connect_timeout", in: 1...3600) ?? defaults.connectTimeoutSeconds
                defaults.replyTimeoutSeconds = reader.int("reply_timeout", in: 1...3600) ?? defaults.replyTimeoutSeconds
                defaults.retries = reader.int("retries", in: 1...20) ?? defaults.retries
                defaults.accountTimeLimitSeconds = reader.int("account_time_limit", in: 1...86_400 * 7) ?? defaults.accountTimeLimitSeconds
                defaults.compressionLevel = reader.int("compression_level", in: 1...3) ?? defaults.compressionLevel
                defaults.stopGraceSeconds = reader.int("stop_grace", in: 1...3600) ?? defaults.stopGraceSeconds
                defaults.secretTimeoutSeconds = reader.int("secret_timeout", in: 1...3600) ?? defaults.secretTimeoutSeconds
                if let size = reader.size("max_message_size") { defaults.maxMessageBytes = size }
                errors += reader.errors
            } else {
                errors.append(ConfigError(file: file, keyPath: "defaults", message: "expected a table [defaults]"))
            }
        }

        var accounts: [AccountConfig] = []
        if let value = root["account"] {
            if let array = value.array {
                for index in 0..<array.count {
                    guard let table = array[index].table else {
                        errors.append(ConfigError(file: file, keyPath: "account[\(index)]", message: "expected a table [[account]]"))
                        continue
                    }
                    var reader = TableReader(table, path: "account[\(index)]", locator: locator, section: .arrayElement("account", index))
                    if let account = parseAccount(&reader, defaults: defaults) { accounts.append(account) }
                    errors += reader.errors
                }
            } else {
                errors.append(ConfigError(file: file, keyPath: "account", message: "expected [[account]] tables"))
            }
        }
        if root["account"] == nil {
            errors.append(ConfigError(file: file, message: "no [[account]] is configured: add one with name, host, user and a password source"))
        }
        var seen: [String: String] = [:]
        for account in accounts {
            if let other = seen[account.id] {
                errors.append(ConfigError(file: file, keyPath: "account.name",
                                          message: "accounts \"\(other)\" and \"\(account.name)\" have the same name; names must be unique"))
            }
            seen[account.id] = account.name
        }
        guard errors.isEmpty, let vault else { throw ConfigErrors(errors: errors) }
        return PopVaultConfig(file: file, vault: vault, policiesDirectory: policies, defaults: defaults, accounts: accounts)
    }

    private static func parseAccount(_ reader: inout TableReader, defaults: Defaults) -> AccountConfig? {
        reader.rejectUnknownKeys(accountKeys)
        var name = reader.required("name", "a name for the account, e.g. name = \"work\"")
        if let given = name, given.utf8.count > maximumNameLength {
            reader.fail("name", "is \(given.utf8.count) bytes long; an account name takes at most \(maximumNameLength)")
            name = nil
        }
        let host = reader.required("host", "the POP3 server's name, e.g. host = \"pop.example.com\"")
        let user = reader.required("user", "the login name on the server")
        let tls: TLSMode = reader.choice("tls", default: .implicit)
        let port = reader.int("port", in: 1...65535) ?? (tls == .implicit ? 995 : 110)
        let auth: AuthChoice = reader.choice("auth", default: .auto)
        let allowPlaintext = reader.bool("allow_plaintext_auth") ?? false
        let caFile = reader.string("ca_file")
        var fingerprint: [UInt8]?
        if let pin = reader.string("tls_fingerprint") {
            fingerprint = parseFingerprint(pin)
            if fingerprint == nil {
                reader.fail("tls_fingerprint", "expected \"sha256:\" and 32 hex bytes separated by colons, e.g. \"sha256:AB:CD:…\"")
            }
        }

        var sources: [SecretSource] = []
        if let command = reader.string("password_command") { sources.append(.passwordCommand(command)) }
        if let path = reader.string("password_file") { sources.append(.passwordFile(path)) }
        if let variable = reader.string("password_env") { sources.append(.passwordEnvironment(variable)) }
        if let command = reader.string("token_command") { sources.append(.tokenCommand(command)) }
        if sources.count != 1 {
            reader.fail(nil, sources.isEmpty
                ? "no secret source: set one of password_command, password_file, password_env or token_command"
                : "several secret sources (\(sources.map(\.key).joined(separator: ", "))): keep exactly one")
        }
        if let source = sources.first {
            if (auth == .xoauth2 || auth == .oauthbearer) && !source.isToken {
                reader.fail("auth", "auth = \"\(auth.rawValue)\" needs a token: set token_command instead of \(source.key)")
            }
            if source.isToken && ![.auto, .xoauth2, .oauthbearer].contains(auth) {
                reader.fail("auth", "token_command works with auth = \"auto\", \"xoauth2\" or \"oauthbearer\", not \"\(auth.rawValue)\"")
            }
        }
        if tls == .none && (caFile != nil || fingerprint != nil) {
            reader.fail(caFile != nil ? "ca_file" : "tls_fingerprint",
                        "tls = \"none\" checks no certificate, so ca_file and tls_fingerprint would be ignored: "
                        + "use tls = \"implicit\" or \"starttls\", or remove them")
        }
        if tls == .none && !allowPlaintext {
            reader.fail("tls", "tls = \"none\" would send the password unencrypted; use \"implicit\" or \"starttls\", "
                + "or if you really mean it, also set allow_plaintext_auth = true")
        }
        if tls == .starttls && port == 995 {
            reader.fail("port", "port 995 speaks implicit TLS, not STLS: use tls = \"implicit\" (or port 110 for starttls)")
        }
        if tls == .implicit && port == 110 {
            reader.fail("port", "port 110 speaks plaintext POP3 first: use tls = \"starttls\" (or port 995 for implicit TLS)")
        }
        let policy = reader.string("policy") ?? defaults.policy
        let maxDeletes = reader.int("max_deletes_per_run", in: 0...10_000_000) ?? defaults.maxDeletesPerRun
        let maxMessageBytes = reader.size("max_message_size") ?? defaults.maxMessageBytes
        guard let name, let host, let user, let secret = sources.first, sources.count == 1 else { return nil }
        let id = AccountIdentifier.make(from: name)
        return AccountConfig(name: name, id: id, host: host, port: port, tls: tls, caFile: caFile, tlsFingerprint: fingerprint,
                             user: user, auth: auth, secret: secret, allowPlaintextAuth: allowPlaintext, policy: policy,
                             maxDeletesPerRun: maxDeletes, maxMessageBytes: maxMessageBytes)
    }

    /// The first control character of `text` (TOML allows only tab, and CR only before LF), as an error.
    /// Checked before TOMLKit sees the text: its parser stops the process on some of them.
    static func controlCharacter(in text: String, file: String) -> ConfigError? {
        var line = 1
        var column = 1
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            if scalar == "\n" {
                line += 1
                column = 1
                continue
            }
            let endsALine = scalar == "\r" && index + 1 < scalars.count && scalars[index + 1] == "\n"
            if (scalar.value < 0x20 && scalar != "\t" && !endsALine) || scalar.value == 0x7F {
                return ConfigError(file: file, line: line, message: "control character U+\(String(format: "%04X", scalar.value)) at column "
                    + "\(column): a TOML file holds none besides tabs and line ends (is this the right file?)")
            }
            column += 1
        }
        return nil
    }

    /// A table header (`[x]`, `[[x]]`) that does not begin with a key, as an error: TOMLKit's
    /// parser stops the process on one (found by fuzzing), where it reports every other key it
    /// cannot read. Lines inside a multi-line string are not headers. Read as bytes, as TOMLKit
    /// reads them: as characters, `[` and a combining mark after it are one, and not a `[`.
    static func tableHeaderWithoutKey(in text: String, file: String) -> ConfigError? {
        var inMultilineString = false
        for (index, line) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            let delimiters = occurrences(of: "\"\"\"", in: line) + occurrences(of: "'''", in: line)
            defer { if delimiters % 2 == 1 { inMultilineString.toggle() } }
            guard !inMultilineString else { continue }
            let isBlank: (UInt8) -> Bool = { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            let trimmed = line.drop(while: isBlank)
            guard trimmed.first == UInt8(ascii: "[") else { continue }
            let opening = trimmed.dropFirst(trimmed.starts(with: "[[".utf8) ? 2 : 1)
            let first = opening.first { !isBlank($0) && $0 != UInt8(ascii: "\r") }
            let isKeyStart = first.map { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || [UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "\""), UInt8(ascii: "'")].contains(byte)
            }
            if isKeyStart != true {
                let shown = first.map { byte in
                    byte < 0x80 ? ", not \"\(Character(Unicode.Scalar(byte)))\"" : ", not a character outside ASCII"
                } ?? ""
                return ConfigError(file: file, line: index + 1, message: "not valid TOML: a table header begins with a key "
                    + "(letters, digits, _ and -, or a quoted string)" + shown)
            }
        }
        return nil
    }

    private static func occurrences(of pattern: String, in line: Substring.UTF8View.SubSequence) -> Int {
        let needle = Array(pattern.utf8)
        var count = 0
        var index = line.startIndex
        while index < line.endIndex {
            if line[index...].starts(with: needle) {
                count += 1
                index = line.index(index, offsetBy: needle.count)
            } else {
                index = line.index(after: index)
            }
        }
        return count
    }

    /// `sha256:AB:CD:…` (or the bare hex, with or without colons) → 32 bytes.
    static func parseFingerprint(_ text: String) -> [UInt8]? {
        var hex = text.lowercased().hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
        hex.removeAll { $0 == ":" || $0 == " " }
        guard hex.count == 64 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        return bytes
    }
}

/// Sizes written as `500MB`, `2GiB`, `1024` (bytes). Decimal and binary units are both accepted.
public enum ByteSize {
    /// The size in bytes; nil for anything else, and for a size this machine cannot count.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let digits = trimmed.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let unit = trimmed.dropFirst(digits.count).trimmingCharacters(in: .whitespaces).uppercased()
        let factors: [String: Int] = ["": 1, "B": 1, "KB": 1_000, "MB": 1_000_000, "GB": 1_000_000_000,
                                      "KIB": 1 << 10, "MIB": 1 << 20, "GIB": 1 << 30, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        guard let factor = factors[unit] else { return nil }
        let (bytes, overflow) = number.multipliedReportingOverflow(by: factor)
        return overflow ? nil : bytes
    }
}
