package admin

import (
	"bytes"
	"html/template"
	"strconv"
	"strings"
	"sync"
)

// frag is what a fragment's template reads: its data and the handler's
// settings. It is comparable, and it is all the template reads, so it is
// the fragment's cache key.
type frag[R comparable] struct {
	Row      R
	Prefix   string
	ReadOnly bool
}

// fragments keeps the HTML html/template rendered for a fragment's data (a
// list row, a section of the details page), so a fragment whose data has
// not changed since a page last showed it is not rendered again: executing
// a template costs reflection on every field and escaper, far more than
// the lookup. The key is the fragment's whole data, so a cached fragment
// is never stale: a changed record, product name or state (items turn
// expired as time passes) is another key.
type fragments[R comparable] struct {
	t    *template.Template
	name string // the template
	max  int    // entries kept; when full the cache starts over
	mu   sync.Mutex
	m    map[frag[R]]template.HTML
	buf  bytes.Buffer
}

func newFragments[R comparable](t *template.Template, name string, max int) *fragments[R] {
	return &fragments[R]{t: t, name: name, max: max, m: map[frag[R]]template.HTML{}}
}

// render returns the fragment's HTML for row, from the cache or from the
// template.
func (c *fragments[R]) render(prefix string, readOnly bool, row R) (template.HTML, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := frag[R]{Row: row, Prefix: prefix, ReadOnly: readOnly}
	return c.renderLocked(key, func() (any, error) { return key, nil })
}

// renderEach renders rows into out, which is at least as long.
func (c *fragments[R]) renderEach(prefix string, readOnly bool, rows []R, out []template.HTML) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i, r := range rows {
		key := frag[R]{Row: r, Prefix: prefix, ReadOnly: readOnly}
		h, err := c.renderLocked(key, func() (any, error) { return key, nil })
		if err != nil {
			return err
		}
		out[i] = h
	}
	return nil
}

// withRows is what a section's template reads: its data, which is the
// key, and the HTML of the rows it lists, which the rows' data in the key
// determine.
type withRows[R comparable] struct {
	frag[R]
	Rows []template.HTML
}

// renderWithRows renders a section that lists rows: rows renders them
// (from their own cache) only if the section is not cached. row must hold
// the data of every row rows renders.
func (c *fragments[R]) renderWithRows(prefix string, readOnly bool, row R, rows func() ([]template.HTML, error)) (template.HTML, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := frag[R]{Row: row, Prefix: prefix, ReadOnly: readOnly}
	return c.renderLocked(key, func() (any, error) {
		html, err := rows()
		return withRows[R]{frag: key, Rows: html}, err
	})
}

func (c *fragments[R]) renderLocked(key frag[R], data func() (any, error)) (template.HTML, error) {
	if h, ok := c.m[key]; ok {
		return h, nil
	}
	d, err := data()
	if err != nil {
		return "", err
	}
	c.buf.Reset()
	if err := c.t.ExecuteTemplate(&c.buf, c.name, d); err != nil {
		return "", err
	}
	// The template's own escaping made this HTML: it is safe as is.
	h := template.HTML(c.buf.String())
	if len(c.m) >= c.max {
		clear(c.m)
	}
	c.m[key] = h
	return h, nil
}

// reset forgets every fragment.
func (c *fragments[R]) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.m)
}

// list holds a list of strings in one comparable string, each as its
// length in decimal, ":", and itself, so a fragment's data can hold a list
// and stay a cache key.
type list string

func listOf[S ~string](xs []S) list {
	if len(xs) == 0 {
		return ""
	}
	n := 0
	for _, x := range xs {
		n += len(x) + 4
	}
	b := make([]byte, 0, n)
	for _, x := range xs {
		b = strconv.AppendInt(b, int64(len(x)), 10)
		b = append(b, ':')
		b = append(b, x...)
	}
	return list(b)
}

// Items returns the strings of the list.
func (l list) Items() []string {
	var out []string
	s := string(l)
	for s != "" {
		n, rest, _ := strings.Cut(s, ":")
		k, _ := strconv.Atoi(n)
		out = append(out, rest[:k])
		s = rest[k:]
	}
	return out
}
