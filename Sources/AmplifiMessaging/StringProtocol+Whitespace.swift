extension StringProtocol {
    /// The text without leading and trailing whitespace (any Unicode whitespace, newlines included).
    func trimmingWhitespace() -> Substring {
        var start = startIndex
        var end = endIndex
        while start < end, self[start].isWhitespace { start = index(after: start) }
        while end > start, self[index(before: end)].isWhitespace { end = index(before: end) }
        return Substring(self[start..<end])
    }
}
