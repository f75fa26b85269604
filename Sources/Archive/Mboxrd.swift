/// mboxrd quoting (a `From ` line preceded by any number of `>` gains one more `>`), done as
/// the bytes stream past, so a message of any size is quoted in bounded memory.
public struct MboxrdQuoter: Sendable {
    private var atLineStart = true
    /// Bytes held back at a line start while they could still become `>*From `.
    private var held: [UInt8] = []
    private static let from = Array("From ".utf8)

    public init() {}

    public mutating func quote(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        var index = 0
        let count = input.count
        while index < count {
            if !atLineStart && held.isEmpty {
                // Copy up to and including the next LF in one go.
                var end = index
                while end < count && input[end] != 10 { end += 1 }
                if end < count {
                    output.append(contentsOf: input[index...end])
                    atLineStart = true
                    index = end + 1
                } else {
                    output.append(contentsOf: input[index..<count])
                    index = count
                }
                continue
            }
            let byte = input[index]
            index += 1
            held.append(byte)
            if let decision = decide() {
                if decision { output.append(UInt8(ascii: ">")) }
                output.append(contentsOf: held)
                atLineStart = held.last == 10
                held.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Writes out anything still held (at the end of a message).
    public mutating func finish(into output: inout [UInt8]) {
        output.append(contentsOf: held)
        held.removeAll()
        atLineStart = true
    }

    /// nil: undecided; true: the held bytes begin a `>*From ` line; false: they do not.
    private func decide() -> Bool? {
        var i = 0
        while i < held.count && held[i] == UInt8(ascii: ">") { i += 1 }
        let rest = held[i...]
        if rest.count >= Self.from.count { return Array(rest.prefix(Self.from.count)) == Self.from }
        return Self.from.starts(with: rest) ? nil : false
    }
}

/// The reverse of `MboxrdQuoter`: a line `>+From ` loses one `>`.
public struct MboxrdUnquoter: Sendable {
    private var atLineStart = true
    private var held: [UInt8] = []
    private static let from = Array("From ".utf8)

    public init() {}

    public mutating func unquote(_ input: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        var index = 0
        let count = input.count
        while index < count {
            if !atLineStart && held.isEmpty {
                var end = index
                while end < count && input[end] != 10 { end += 1 }
                if end < count {
                    output.append(contentsOf: input[index...end])
                    atLineStart = true
                    index = end + 1
                } else {
                    output.append(contentsOf: input[index..<count])
                    index = count
                }
                continue
            }
            let byte = input[index]
            index += 1
            if held.isEmpty && byte != UInt8(ascii: ">") {
                output.append(byte)
                atLineStart = byte == 10
                continue
            }
            held.append(byte)
            var i = 0
            while i < held.count && held[i] == UInt8(ascii: ">") { i += 1 }
            let rest = held[i...]
            if rest.count >= Self.from.count || !Self.from.starts(with: rest) {
                let quoted = rest.count >= Self.from.count && Array(rest.prefix(Self.from.count)) == Self.from
                output.append(contentsOf: quoted ? held.dropFirst() : held[...])
                atLineStart = held.last == 10
                held.removeAll(keepingCapacity: true)
            }
        }
    }

    public mutating func finish(into output: inout [UInt8]) {
        output.append(contentsOf: held)
        held.removeAll()
        atLineStart = true
    }
}
