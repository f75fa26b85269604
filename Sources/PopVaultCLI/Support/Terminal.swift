import Escaping
import Foundation
import Synchronization

/// stdout for results, stderr for logs and errors. Text passes through `TerminalText`, so that
/// nothing a server or a message controls can move the cursor, rewrite the screen or reverse
/// what a line shows. Writes go to the file descriptors directly (Swift 6 rejects the C
/// `stdout`/`stderr` globals); a failed write of results (a full disk under `> report`) is
/// remembered, and the command then exits non-zero (`ExitStatus`).
enum Terminal {
    static func out(_ text: String) { write(1, TerminalText.sanitized(text)) }
    static func error(_ text: String) { write(2, TerminalText.sanitized(text)) }

    static var stderrIsTerminal: Bool { isatty(2) == 1 }

    /// Why writing results to stdout failed, if it did.
    static var outputFailure: String? { failure.withLock { $0 } }
    private static let failure = Mutex<String?>(nil)

    private static func write(_ fd: Int32, _ text: String) {
        let line = text.hasSuffix("\n") ? text : text + "\n"
        writeAll(fd, Array(line.utf8))
    }

    /// Writes bytes as they are (a message's raw bytes for `show` and `export -`).
    static func writeRaw(_ bytes: UnsafeRawBufferPointer) {
        writeAll(1, bytes)
    }

    private static func writeAll(_ fd: Int32, _ bytes: some ContiguousBytes) {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let written = Foundation.write(fd, base + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 {
                    if fd == 1 { failure.withLock { $0 = $0 ?? String(cString: strerror(errno)) } }
                    return
                }
                offset += written
            }
        }
    }

    /// A one-line progress display on stderr (only call it when stderr is a terminal); nil clears it.
    static func progress(_ text: String?) {
        writeAll(2, Array(("\r\u{1B}[2K" + TerminalText.sanitized(text ?? "")).utf8))
    }

    /// Pretty JSON whose strings hold no character `TerminalText` would escape: those are
    /// written as JSON's own `\uXXXX`, so the text stays valid JSON and safe on a terminal.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        let text = String(decoding: try encoder.encode(value), as: UTF8.self)
        guard text.unicodeScalars.contains(where: TerminalText.needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if TerminalText.needsEscape(scalar) {
                out.append(contentsOf: String(format: "\\u%04X", scalar.value).unicodeScalars)
            } else {
                out.append(scalar)
            }
        }
        return String(out)
    }
}
