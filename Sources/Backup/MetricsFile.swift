import Foundation

/// Prometheus metrics in the node_exporter textfile format. Pure: the caller writes the text to
/// a temporary file and renames it into place, so the collector never reads half a file.
public enum MetricsFile {
    public static func render(_ report: RunReport, accountIDs: [String: String]) -> String {
        var lines: [String] = []
        func metric(_ name: String, _ help: String, _ type: String, _ values: [(String, String)]) {
            lines.append("# HELP popvault_\(name) \(help)")
            lines.append("# TYPE popvault_\(name) \(type)")
            for (labels, value) in values { lines.append("popvault_\(name)\(labels) \(value)") }
        }
        func label(_ account: AccountReport) -> String {
            "{account=\"\(escape(accountIDs[account.account] ?? account.account))\"}"
        }
        let finished = String(Int(report.finishedAt.timeIntervalSince1970))
        metric("run_finished_timestamp_seconds", "When the last run finished.", "gauge", [("", finished)])
        metric("run_success", "1 if every account of the last run succeeded.", "gauge", [("", report.result == .ok ? "1" : "0")])
        metric("account_success", "1 if the account's last run archived everything.", "gauge",
               report.accounts.map { (label($0), $0.result == .ok ? "1" : "0") })
        metric("account_last_success_timestamp_seconds", "When the account last ran without failure.", "gauge",
               report.accounts.filter { $0.result == .ok }.map { (label($0), finished) })
        metric("account_duplicate_messages", "Duplicates of content already archived, recorded in the last run.", "gauge",
               report.accounts.map { (label($0), "\($0.duplicates)") })
        metric("account_fetched_messages", "Messages retrieved in the last run.", "gauge", report.accounts.map { (label($0), "\($0.fetched)") })
        metric("account_stored_messages", "New messages stored in the last run.", "gauge", report.accounts.map { (label($0), "\($0.stored)") })
        metric("account_fetched_bytes", "Bytes retrieved in the last run.", "gauge", report.accounts.map { (label($0), "\($0.bytes)") })
        metric("account_skipped_messages", "Messages left behind in the last run.", "gauge",
               report.accounts.map { (label($0), "\($0.skipped.count)") })
        metric("account_server_messages", "Messages on the server at the last run.", "gauge",
               report.accounts.compactMap { account in account.onServerMessages.map { (label(account), "\($0)") } })
        return lines.joined(separator: "\n") + "\n"
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
