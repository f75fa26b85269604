import Logging
import NIOConcurrencyHelpers

/// A log handler that keeps every rendered line (message and metadata), so a test can scan
/// what would have been logged for secrets.
public struct CapturingLogHandler: LogHandler {
    public final class Store: Sendable {
        private let lines = NIOLockedValueBox<[String]>([])
        public init() {}
        public var all: [String] { lines.withLockedValue { $0 } }
        func append(_ line: String) { lines.withLockedValue { $0.append(line) } }
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace
    private let store: Store

    public init(store: Store) { self.store = store }

    public static func logger(_ store: Store, label: String = "test") -> Logger {
        var logger = Logger(label: label) { _ in CapturingLogHandler(store: store) }
        logger.logLevel = .trace
        return logger
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        store.append("\(event.level) \(event.message) \(merged) \(event.source) \(event.function)")
    }
}
