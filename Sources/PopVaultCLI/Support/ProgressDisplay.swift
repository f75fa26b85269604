import Backup
import Foundation
import Synchronization

/// The live progress line of `popvault run` on a terminal: per account, messages, bytes, rate, ETA.
final class ProgressDisplay: Sendable {
    private struct State {
        var reports: [String: AccountReport] = [:]
        var lastDraw = Date.distantPast
    }

    private let state = Mutex(State())
    private let started = Date()

    func update(_ report: AccountReport) {
        let line: String? = state.withLock { state in
            state.reports[report.account] = report
            guard Date().timeIntervalSince(state.lastDraw) > 0.25 else { return nil }
            state.lastDraw = Date()
            return state.reports.keys.sorted().compactMap { state.reports[$0] }.map(render).joined(separator: " | ")
        }
        if let line { Terminal.progress(line) }
    }

    func clear() { Terminal.progress(nil) }

    private func render(_ report: AccountReport) -> String {
        let elapsed = max(0.001, Date().timeIntervalSince(started))
        let rate = Double(report.bytes) / elapsed
        var text = "\(report.account): \(report.fetched)/\(report.planned) msgs, \(Self.size(report.bytes)), \(Self.size(Int(clamping: rate)))/s"
        // The planned bytes are LIST's sizes, which a server chooses: nothing here may trap on them.
        if rate > 0 && report.plannedBytes > report.bytes {
            let seconds = (Double(report.plannedBytes) - Double(report.bytes)) / rate
            if seconds < 100 * 86_400 { text += ", ETA \(Int(seconds)) s" }
        }
        return text
    }

    static func size(_ bytes: Int) -> String {
        if bytes >= 1 << 30 { return String(format: "%.1f GiB", Double(bytes) / Double(1 << 30)) }
        if bytes >= 1 << 20 { return String(format: "%.1f MiB", Double(bytes) / Double(1 << 20)) }
        if bytes >= 1 << 10 { return String(format: "%.1f KiB", Double(bytes) / Double(1 << 10)) }
        return "\(bytes) B"
    }
}

extension Int {
    /// The nearest Int to a finite double; 0 for NaN (a rate or a time that is no number).
    init(clamping value: Double) {
        if value.isNaN { self = 0 } else if value >= Double(Int.max) { self = .max } else if value <= Double(Int.min) { self = .min } else { self = Int(value) }
    }
}
