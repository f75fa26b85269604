import Foundation

/// stdout for results, stderr for logs and errors (DESIGN §8). Writes to the file descriptors
/// directly: Swift 6 rejects the C `stdout`/`stderr` globals.
enum Terminal {
    static func out(_ text: String) { write(1, text) }
    static func error(_ text: String) { write(2, text) }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }
    static var stdoutIsTerminal: Bool { isatty(1) == 1 }

    private static func write(_ fd: Int32, _ text: String) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        let bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// A one-line progress display on stderr (only call it when stderr is a terminal); nil clears it.
    static func progress(_ text: String?) {
        let bytes = Array(("\r\u{1B}[2K" + (text ?? "")).utf8)
        _ = bytes.withUnsafeBytes { Foundation.write(2, $0.baseAddress, $0.count) }
    }

    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
