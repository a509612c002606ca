package admin

import (
	"net/http"

	"github.com/playerbase/playerbase"
)

// NewUncached is New with a function that forgets every rendered
// fragment, so a benchmark can time a page rendered from nothing.
func NewUncached(pb *playerbase.Client, opts *Options) (http.Handler, func()) {
	h, hh := newHandler(pb, opts)
	return hh, h.resetFragments
}
