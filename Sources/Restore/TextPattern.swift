import Archive

/// What `--from` and `--subject` take: text found anywhere in the field, ignoring case, or,
/// with `*` (any run of characters) or `?` (any one), a pattern the whole field must match.
/// Pure; matching is at most the pattern's length times the field's.
public struct TextPattern: Sendable, Equatable {
    private let pattern: [Character]
    private let isGlob: Bool

    public init(_ text: String) {
        pattern = Array(text.lowercased())
        isGlob = text.contains("*") || text.contains("?")
    }

    public func matches(_ field: String?) -> Bool {
        let text = Array((field ?? "").lowercased())
        guard isGlob else { return pattern.isEmpty || text.firstRange(of: pattern) != nil }
        // Wildcard matching with one backtracking point: on a mismatch, the last `*` takes one
        // more character.
        var (t, p) = (0, 0)
        var star: (pattern: Int, text: Int)?
        while t < text.count {
            if p < pattern.count && (pattern[p] == "?" || pattern[p] == text[t]) {
                t += 1
                p += 1
            } else if p < pattern.count && pattern[p] == "*" {
                star = (p, t)
                p += 1
            } else if let last = star {
                p = last.pattern + 1
                t = last.text + 1
                star = (last.pattern, last.text + 1)
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}

/// A time given on the command line: `YYYY-MM-DD`, or with a time of day,
/// `YYYY-MM-DDTHH:MM[:SS]` (a space for the `T` will do, a final `Z` too), all in UTC. Pure.
public struct TimeArgument: Sendable, Equatable {
    /// Unix seconds of its start.
    public let start: Int64
    /// Whether only a day was given (then `--until` includes that whole day).
    public let isWholeDay: Bool

    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count, bytes[range].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Int(String(decoding: bytes[range], as: UTF8.self))
        }
        guard bytes.count >= 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = 0
        var rest = bytes[10...]
        if rest.last == UInt8(ascii: "Z") { rest = rest.dropLast() }
        if rest.isEmpty {
            isWholeDay = true
        } else {
            isWholeDay = false
            guard rest.first == UInt8(ascii: "T") || rest.first == UInt8(ascii: " ") else { return nil }
            let time = Array(rest.dropFirst())
            guard time.count == 5 || time.count == 8, time[2] == UInt8(ascii: ":"),
                  let hour = number(11..<13), let minute = number(14..<16), hour < 24, minute < 60 else { return nil }
            seconds = hour * 3600 + minute * 60
            if time.count == 8 {
                guard time[5] == UInt8(ascii: ":"), let second = number(17..<19), second < 61 else { return nil }
                seconds += second
            }
        }
        start = Int64(CivilDate.days(year: year, month: month, day: day) * 86_400 + seconds)
    }

    /// The first second after it: the next day for a whole day, the next second otherwise.
    public var end: Int64 { start + (isWholeDay ? 86_400 : 1) }
}
