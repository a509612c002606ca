package admin

import (
	"bytes"
	"html/template"
	"sync"
)

// rowData is what a list row's template reads. It is comparable, and it is
// all the row's template reads, so it is the row's cache key.
type rowData[R comparable] struct {
	Row      R
	Prefix   string
	ReadOnly bool
}

// maxCachedRows bounds a rowCache; when full it starts over.
const maxCachedRows = 20000

// rowCache keeps the HTML html/template rendered for a row's data, so a
// row whose record has not changed since a page last showed it is not
// rendered again. The key is the row's whole data, so a cached row is
// never stale: a changed record, product name or state (items turn expired
// as time passes) is another key.
type rowCache[R comparable] struct {
	name string // the template
	mu   sync.Mutex
	m    map[rowData[R]]template.HTML
}

func newRowCache[R comparable](name string) *rowCache[R] {
	return &rowCache[R]{name: name, m: map[rowData[R]]template.HTML{}}
}

// render returns the rows' HTML, from the cache or from t.
func (c *rowCache[R]) render(t *template.Template, prefix string, readOnly bool, rows []R) ([]template.HTML, error) {
	out := make([]template.HTML, len(rows))
	c.mu.Lock()
	defer c.mu.Unlock()
	var buf bytes.Buffer
	for i, r := range rows {
		key := rowData[R]{Row: r, Prefix: prefix, ReadOnly: readOnly}
		if h, ok := c.m[key]; ok {
			out[i] = h
			continue
		}
		buf.Reset()
		if err := t.ExecuteTemplate(&buf, c.name, key); err != nil {
			return nil, err
		}
		// The template's own escaping made this HTML: it is safe as is.
		h := template.HTML(buf.String())
		if len(c.m) >= maxCachedRows {
			clear(c.m)
		}
		c.m[key] = h
		out[i] = h
	}
	return out, nil
}
