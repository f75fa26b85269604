@testable import Archive
import Config
import Foundation
import POP3Core

/// Fuzz targets: every parser that reads what a server, a file or a user controls, fed one
/// input each. The first byte picks the parser. Built with libFuzzer by `scripts/fuzz` (debug,
/// `-sanitize=fuzzer,address -DFUZZING`); built plainly, the program replays the files named
/// on its command line through the same code, to re-check a crash. Not for users.
enum FuzzTargets {
    static func run(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let input = Array(data.dropFirst())
        switch selector % 6 {
        case 0: replies(input)
        case 1: multiline(input)
        case 2: members(input)
        case 3: _ = try? ConfigParser.parse(String(decoding: input, as: UTF8.self), file: "fuzz.toml")
        case 4: mboxrd(input)
        default: _ = HeaderSummary.parse(input)
        }
    }

    /// Status lines, listings (UIDL and LIST) and STAT, line by line.
    private static func replies(_ input: [UInt8]) {
        var builder = UIDLListingBuilder()
        var lines = LineSplitter(limits: ListingLimits(lines: 10_000, lineLength: 1024, bytes: 1 << 20))
        input.withUnsafeBytes { raw in
            lines.add(raw) { line in
                _ = try? StatusLine.parse(Array(line))
                builder.add(line: line)
            }
        }
        let text = String(decoding: input, as: UTF8.self)
        _ = try? ListingParser.parseStat(text)
        _ = ListingParser.octets(inRETRReply: text)
        _ = ListingParser.parseList(lines: input.split(separator: 10).map(Array.init))
        _ = Capabilities(lines: text.split(separator: "\n").map(String.init))
    }

    /// A RETR reply's data with announced sizes from the first two bytes, fed in pieces of a
    /// size from the third, as the transport feeds it.
    private static func multiline(_ input: [UInt8]) {
        guard input.count >= 3 else { return }
        var decoder = MultilineDecoder(bareLineFeeds: input[0] & 1 == 1, expectedSizes: [Int(input[1]), Int(input[0])])
        let piece = Int(input[2]) + 1
        var pending: [UInt8] = []
        var output: [UInt8] = []
        var next = 3
        while !decoder.isFinished && next < input.count {
            pending += input[next..<min(input.count, next + piece)]
            next += piece
            let consumed = pending.withUnsafeBytes { decoder.decode($0, into: &output) }
            pending.removeFirst(consumed)
        }
    }

    /// A segment file: every member read, inflated and checked as `reindex` and `verify` do.
    private static func members(_ input: [UInt8]) {
        let path = "/dev/shm/popvault-fuzz-\(getpid()).mbox.gz"
        guard FileManager.default.createFile(atPath: path, contents: Data(input)) else { return }
        defer { unlink(path) }
        _ = try? MemberScanner(path: path).scan { _ in }
        if case .parsed(let header) = GzipHeader.parse(input[...]) { _ = GzipHeader.encode(header.metadata) }
        _ = try? MemberMetadata.decode(input)
    }

    /// mboxrd quoting then unquoting gives the input back, at any split.
    private static func mboxrd(_ input: [UInt8]) {
        let split = input.isEmpty ? 0 : Int(input[0]) % input.count
        var quoter = MboxrdQuoter()
        var quoted: [UInt8] = []
        for part in [input[..<split], input[split...]] { Array(part).withUnsafeBytes { quoter.quote($0, into: &quoted) } }
        quoter.finish(into: &quoted)
        var unquoter = MboxrdUnquoter()
        var back: [UInt8] = []
        quoted.withUnsafeBytes { unquoter.unquote($0, into: &back) }
        unquoter.finish(into: &back)
        if back != input { fatalError("mboxrd quoting does not round-trip") }
    }
}

/// The program: under libFuzzer (`-DFUZZING`) it hands control to libFuzzer's driver, as a
/// SwiftPM executable must keep its own `main`; otherwise it replays the files it is given.
@main
enum FuzzMain {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
        for path in CommandLine.arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            FuzzTargets.run(Array(data))
            print("ok \(path)")
        }
        #endif
    }
}

#if FUZZING
/// One input, as libFuzzer calls it.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    FuzzTargets.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

/// libFuzzer's entry for programs with a `main` of their own (LLVM 12 and later).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32
#endif
