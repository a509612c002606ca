package playerbase

// Lists are read a page at a time, newest first, with a cursor: the ID of
// the last entry of the previous page. A page reads one entry more than it
// returns, which tells whether a next page exists without a count.

// pageSize applies a list's default and maximum page size to a requested
// limit.
func pageSize(limit, def, max int) int {
	if limit <= 0 {
		return def
	}
	return min(limit, max)
}

// cutPage takes a list read with a limit of want+1 and returns its first
// want entries and the cursor of the next page: the last entry's ID, or ""
// if the list held no more.
func cutPage[T any, ID ~string](list []T, want int, id func(T) ID) ([]T, ID) {
	if len(list) <= want {
		return list, ""
	}
	list = list[:want]
	return list, id(list[want-1])
}
