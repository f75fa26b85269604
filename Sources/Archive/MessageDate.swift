/// Parses an RFC 5322 §3.3 date-time into Unix seconds: `[Day,] d Mon yyyy hh:mm[:ss] zone`,
/// with the obsolete forms of §4.3 (two- and three-digit years, the zone names UT, GMT and the
/// US ones, military letters, which count as -0000) and comments in parentheses, and what real
/// mail has besides (no comma after the day name, `GMT+0100`, `+01:00`). Pure and linear; runs
/// once per stored message.
enum MessageDate {
    static func parse(_ text: some StringProtocol) -> Int? {
        var scanner = Scanner(Array(text.utf8))
        scanner.skipSpaceAndComments()
        if scanner.peekLetter() {
            scanner.skipWord()  // the weekday
            scanner.skipSpaceAndComments()
            _ = scanner.take(UInt8(ascii: ","))
            scanner.skipSpaceAndComments()
        }
        guard let day = scanner.number(maxDigits: 2), (1...31).contains(day) else { return nil }
        scanner.skipSpaceAndComments()
        guard let month = scanner.month() else { return nil }
        scanner.skipSpaceAndComments()
        let yearStart = scanner.position
        guard var year = scanner.number(maxDigits: 4) else { return nil }
        switch scanner.position - yearStart {
        case 2: year += year < 50 ? 2000 : 1900
        case 3: year += 1900
        default: break
        }
        scanner.skipSpaceAndComments()
        guard let hour = scanner.number(maxDigits: 2), hour < 24, scanner.take(UInt8(ascii: ":")),
              let minute = scanner.number(maxDigits: 2), minute < 60 else { return nil }
        var second = 0
        if scanner.take(UInt8(ascii: ":")) {
            guard let value = scanner.number(maxDigits: 2), value <= 60 else { return nil }
            second = value
        }
        scanner.skipSpaceAndComments()
        guard let offset = scanner.zoneOffset() else { return nil }
        guard day <= daysIn(month: month, year: year) else { return nil }
        return CivilDate.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func take(_ byte: UInt8) -> Bool {
            guard current == byte else { return false }
            position += 1
            return true
        }

        func peekLetter() -> Bool { current.map(Self.isLetter) ?? false }

        mutating func skipWord() {
            while let byte = current, Self.isLetter(byte) { position += 1 }
        }

        /// Folding white space and (possibly nested) comments.
        mutating func skipSpaceAndComments() {
            var depth = 0
            while let byte = current {
                if byte == UInt8(ascii: "(") {
                    depth += 1
                } else if byte == UInt8(ascii: ")") && depth > 0 {
                    depth -= 1
                } else if depth == 0 && !(byte == 32 || byte == 9 || byte == 10 || byte == 13) {
                    return
                }
                position += 1
            }
        }

        mutating func number(maxDigits: Int) -> Int? {
            var value = 0
            var digits = 0
            while digits < maxDigits, let byte = current, byte >= 48 && byte <= 57 {
                value = value * 10 + Int(byte - 48)
                digits += 1
                position += 1
            }
            return digits > 0 ? value : nil
        }

        mutating func month() -> Int? {
            let start = position
            skipWord()
            let name = bytes[start..<position].map { $0 | 0x20 }
            let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
            return months.firstIndex { Array($0.utf8) == name }.map { $0 + 1 }
        }

        /// The zone as seconds east of UTC: `+hhmm`, a name (UT, GMT, the US zones; an unknown
        /// one or none counts as UTC, -0000), or a name with an offset after it (`GMT+0100`).
        mutating func zoneOffset() -> Int? {
            if let sign = current, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                return numericOffset()
            }
            let start = position
            skipWord()
            let name = String(decoding: bytes[start..<position], as: UTF8.self).uppercased()
            let hours = ["EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7]
            if (name == "GMT" || name == "UT" || name == "UTC"), let sign = current, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                return numericOffset()
            }
            return (hours[name] ?? 0) * 3600
        }

        /// `+hhmm` or `-hhmm` (also `+hh:mm` and `+h`/`+hh`, which real mail has).
        private mutating func numericOffset() -> Int? {
            guard let sign = current else { return nil }
            position += 1
            let start = position
            guard var value = number(maxDigits: 4) else { return nil }
            switch position - start {
            case 1, 2:
                if take(UInt8(ascii: ":")) {
                    guard let minutes = number(maxDigits: 2) else { return nil }
                    value = value * 100 + minutes
                } else {
                    value *= 100
                }
            case 4: break
            default: return nil
            }
            guard value % 100 < 60, value / 100 < 24 else { return nil }
            let seconds = (value / 100) * 3600 + (value % 100) * 60
            return sign == UInt8(ascii: "-") ? -seconds : seconds
        }

        private static func isLetter(_ byte: UInt8) -> Bool {
            (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
        }
    }
}

/// Calendar arithmetic without Foundation.
public enum CivilDate {
    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
    public static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
