import TOMLKit

/// Reads typed values out of one TOML table and collects problems instead of stopping at the
/// first, naming each by its key path and, where the key can be found in the text, its line.
/// TOMLKit reports a wrong type as a missing key, so the type check is done here.
struct TableReader {
    let table: TOMLTable
    let path: String
    let locator: LineLocator
    let section: LineLocator.Section
    var errors: [ConfigError]

    init(_ table: TOMLTable, path: String, locator: LineLocator, section: LineLocator.Section) {
        self.table = table
        self.path = path
        self.locator = locator
        self.section = section
        self.errors = []
    }

    func keyPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func fail(_ key: String?, _ message: String) {
        let line = key.flatMap { locator.line(of: $0, in: section) }
        errors.append(ConfigError(file: locator.file, keyPath: key.map(keyPath) ?? (path.isEmpty ? nil : path),
                                  line: line, message: message))
    }

    private mutating func typed<T>(_ key: String, _ expected: String, _ extract: (TOMLValueConvertible) -> T?) -> T? {
        guard let value = table[key] else { return nil }
        guard let result = extract(value) else {
            fail(key, "expected \(expected), found a \(value.type)")
            return nil
        }
        return result
    }

    mutating func string(_ key: String) -> String? { typed(key, "a string", { $0.string }) }
    mutating func bool(_ key: String) -> Bool? { typed(key, "true or false", { $0.bool }) }

    mutating func int(_ key: String, in range: ClosedRange<Int>) -> Int? {
        guard let value = typed(key, "an integer", { $0.int }) else { return nil }
        guard range.contains(value) else {
            fail(key, "expected an integer from \(range.lowerBound) to \(range.upperBound), found \(value)")
            return nil
        }
        return value
    }

    /// A size such as `"50MB"` (`ByteSize`).
    mutating func size(_ key: String) -> Int? {
        guard let text = string(key) else { return nil }
        guard let bytes = ByteSize.parse(text), bytes > 0 else {
            fail(key, "expected a size such as \"50MB\" or \"2GiB\" (at most \(Int.max) bytes), found \"\(text)\"")
            return nil
        }
        return bytes
    }

    mutating func required(_ key: String, _ what: String) -> String? {
        if table[key] == nil {
            fail(nil, "missing key \"\(key)\": \(what)")
            return nil
        }
        guard let value = string(key) else { return nil }
        if value.allSatisfy(\.isWhitespace) {
            fail(key, "must not be empty: \(what)")
            return nil
        }
        return value
    }

    mutating func choice<E: RawRepresentable & CaseIterable>(_ key: String, default fallback: E) -> E where E.RawValue == String {
        guard let raw = string(key) else { return fallback }
        guard let value = E(rawValue: raw) else {
            let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            fail(key, "expected one of \(allowed), found \"\(raw)\"")
            return fallback
        }
        return value
    }

    /// Reports keys this table does not know, with a suggestion for near misses: a misspelt
    /// `pasword_file` must not pass silently.
    mutating func rejectUnknownKeys(_ known: Set<String>) {
        for key in table.keys where !known.contains(key) {
            let suggestion = known.min { editDistance($0, key) < editDistance($1, key) }
            let hint = suggestion.map { editDistance($0, key) <= 3 ? " (did you mean \"\($0)\"?)" : "" } ?? ""
            fail(key, "unknown key\(hint)")
        }
    }
}

/// Levenshtein distance, for "did you mean" hints.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    var previous = Array(0...b.count)
    for i in 1...max(a.count, 1) where !a.isEmpty {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...max(b.count, 1) where !b.isEmpty {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return a.isEmpty ? b.count : previous[b.count]
}

/// Finds the line of a key in the config text. TOMLKit gives lines for syntax errors only, so
/// for a schema error we look for `key =` in the right section ourselves.
struct LineLocator {
    enum Section: Equatable { case top, table(String), arrayElement(String, Int) }

    let file: String
    private let lines: [Substring]

    init(file: String, text: String) {
        self.file = file
        lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    }

    func line(of key: String, in section: Section) -> Int? {
        var current = Section.top
        var counts: [String: Int] = [:]
        for (index, raw) in lines.enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[[") {
                let name = line.dropFirst(2).prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces)
                let n = counts[name, default: 0]
                counts[name] = n + 1
                current = .arrayElement(name, n)
            } else if line.hasPrefix("[") {
                current = .table(line.dropFirst().prefix { $0 != "]" }.trimmingCharacters(in: .whitespaces))
            } else if current == section, line.hasPrefix(key) {
                let rest = line.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
                if rest.hasPrefix("=") { return index + 1 }
            }
        }
        return nil
    }
}
