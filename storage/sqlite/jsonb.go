package sqlite

// A ban check hands SQLite its keys as JSONB (https://sqlite.org/jsonb.html,
// a stable format SQLite reads from any BLOB given to a JSON function)
// rather than JSON text: json_each and ->> then walk the bytes as they are,
// where text was parsed for json_each and again for each ->> on a row it
// rendered back to text — the larger part of a check's cost.

// JSONB element types used here.
const (
	jsonbInt     = 3  // an integer, as ASCII digits
	jsonbTextRaw = 10 // a string as is, escaped by SQLite when it renders it
	jsonbArray   = 11 // the elements, one after the other
)

// appendJSONBHeader appends the header of an element of type typ whose
// payload is n bytes long, in its shortest form.
func appendJSONBHeader(b []byte, typ byte, n int) []byte {
	switch {
	case n <= 11:
		return append(b, byte(n)<<4|typ)
	case n <= 0xff:
		return append(b, 12<<4|typ, byte(n))
	case n <= 0xffff:
		return append(b, 13<<4|typ, byte(n>>8), byte(n))
	}
	return append(b, 14<<4|typ, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
}

// appendJSONBArray appends an array whose payload, its elements encoded
// one after the other, is p.
func appendJSONBArray(b, p []byte) []byte {
	return append(appendJSONBHeader(b, jsonbArray, len(p)), p...)
}
