/// A problem in the configuration, naming the file, the key path and (when known) the line,
/// and saying what is expected.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let file: String
    public let keyPath: String?
    public let line: Int?
    public let message: String

    public init(file: String, keyPath: String? = nil, line: Int? = nil, message: String) {
        self.file = file
        self.keyPath = keyPath
        self.line = line
        self.message = message
    }

    public var description: String {
        var location = file
        if let line { location += ":\(line)" }
        if let keyPath { location += ": \(keyPath)" }
        return "\(location): \(message)"
    }
}

/// Several problems found in one pass, so the user can fix them all at once.
public struct ConfigErrors: Error, Sendable, CustomStringConvertible {
    public let errors: [ConfigError]
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
