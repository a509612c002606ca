package problem

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/playerbase/playerbase/errs"
)

// ContentType is the media type of a problem body (RFC 9457 §3).
const ContentType = "application/problem+json"

// Problem is an RFC 9457 problem details object with playerbase's
// extension members.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Errors names each invalid field, for a 422.
	Errors []FieldError `json:"errors,omitempty"`
	// BanIDs are the bans that refused the request, for a 403.
	BanIDs []string `json:"ban_ids,omitempty"`
}

// FieldError is one invalid field: Field as the domain names it
// ("metadata.rows[2].key", "lines[1].product_id"), Detail why it was
// refused.
type FieldError struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// internalDetail is all a 500 says.
const internalDetail = "The server could not complete the request."

// kinds maps each sentinel to its status, in the order From tries them.
var kinds = []struct {
	err    error
	status int
}{
	{errs.ErrNotFound, http.StatusNotFound},
	{errs.ErrInvalid, http.StatusUnprocessableEntity},
	{errs.ErrForbidden, http.StatusForbidden},
	{errs.ErrConflict, http.StatusConflict},
	{errs.ErrGone, http.StatusGone},
}

// banned is what *bans.BannedError answers. Matching the method rather
// than the type keeps problem free of the domain packages.
type banned interface{ BanIDs() []string }

// From returns the problem err is: its status from its kind, and its
// detail and extension members (see the package doc). It has no instance;
// Write adds the request's.
func From(err error) Problem {
	status := http.StatusInternalServerError
	for _, k := range kinds {
		if err != nil && errors.Is(err, k.err) {
			status = k.status
			break
		}
	}
	p := Problem{Type: "about:blank", Title: http.StatusText(status), Status: status}
	if status == http.StatusInternalServerError {
		p.Detail = internalDetail
		return p
	}
	p.Detail = err.Error()
	switch status {
	case http.StatusUnprocessableEntity:
		walk(err, func(e error) {
			if inv, ok := e.(*errs.InvalidError); ok {
				p.Errors = append(p.Errors, FieldError{Field: inv.Field, Detail: inv.Reason})
			}
		})
	case http.StatusForbidden:
		walk(err, func(e error) {
			if b, ok := e.(banned); ok {
				p.BanIDs = append(p.BanIDs, b.BanIDs()...)
			}
		})
	}
	return p
}

// walk calls fn on err and every error it wraps, depth first, in the order
// errors.Is visits them. A joined error has several.
func walk(err error, fn func(error)) {
	if err == nil {
		return
	}
	fn(err)
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		walk(u.Unwrap(), fn)
	case interface{ Unwrap() []error }:
		for _, e := range u.Unwrap() {
			walk(e, fn)
		}
	}
}

// Write writes err to w as a problem (From), with r's path as its instance.
// r may be nil.
func Write(w http.ResponseWriter, r *http.Request, err error) {
	p := From(err)
	if r != nil && r.URL != nil {
		p.Instance = r.URL.EscapedPath()
	}
	// A Problem is strings and ints: it always encodes.
	body, _ := json.Marshal(p)
	h := w.Header()
	h.Set("Content-Type", ContentType)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(body, '\n'))
}
