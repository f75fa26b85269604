extension Substring {
    /// The text without the characters at either end that match `predicate`. By hand, not with
    /// Foundation's `trimmingCharacters`, which bridges through `NSString` (and on a run's way
    /// to its first connection cost the runtime's first type lookups).
    func trimming(_ predicate: (Character) -> Bool) -> Substring {
        let front = drop(while: predicate)
        var end = front.endIndex
        while end > front.startIndex, predicate(front[front.index(before: end)]) { end = front.index(before: end) }
        return front[..<end]
    }
}
