import Foundation

/// One environment variable, read with `getenv` (`ProcessInfo.environment` would build a
/// dictionary of the whole environment for it).
enum EnvironmentVariable {
    static func value(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
