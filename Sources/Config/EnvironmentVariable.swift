import Foundation

/// One environment variable, read with `getenv`. `ProcessInfo.processInfo.environment` builds
/// a dictionary of the whole environment, and its first use in a process sets ProcessInfo up:
/// with `trimmingCharacters`, the largest part of reading the config in `perf` samples of runs
/// with nothing new, where the config is read before the first connection.
enum EnvironmentVariable {
    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
