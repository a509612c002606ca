package memory

import "slices"

// newestFirst walks ids, a customer's IDs in ascending order, from the one
// before cursor ("": from the newest) down to the oldest, and returns up to
// limit (≤ 0: no limit) of the values get keeps.
func newestFirst[ID ~string, T any](ids []ID, cursor ID, limit int, get func(ID) (T, bool)) []T {
	end := len(ids)
	if cursor != "" {
		end, _ = slices.BinarySearch(ids, cursor)
	}
	// Sized for the page up front: growing a slice of large records to it
	// allocates twice the page, garbage that costs a collection in
	// proportion to the whole store.
	var out []T
	if limit > 0 {
		out = make([]T, 0, min(limit, end))
	}
	for i := end - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		if v, keep := get(ids[i]); keep {
			out = append(out, v)
		}
	}
	return out
}
