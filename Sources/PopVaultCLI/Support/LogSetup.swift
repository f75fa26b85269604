import Foundation
import Logging

/// Log lines on stderr: `time level [label] message key=value`. Secrets never reach a logger:
/// commands are logged through their redacting descriptions and credentials print as "redacted".
struct StderrLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let time = ISO8601DateFormatter().string(from: Date())
        Terminal.error("\(time) \(event.level) [\(label)] \(event.message)\(fields.isEmpty ? "" : " " + fields)")
    }
}

enum LogSetup {
    static func logger(verbose: Int, quiet: Bool, label: String = "popvault") -> Logger {
        let level: Logger.Level = quiet ? .error : (verbose >= 2 ? .trace : verbose == 1 ? .debug : .notice)
        var logger = Logger(label: label) { label in StderrLogHandler(logLevel: level, label: label) }
        logger.logLevel = level
        return logger
    }
}
