// Package errs holds the error values every playerbase package returns.
//
// Callers test errors with errors.Is against the sentinels (ErrNotFound,
// ErrConflict, ErrInvalid, ErrForbidden) and read details with errors.As
// into the typed errors (*InvalidError, *NotFoundError, *ConflictError).
// Every typed error answers errors.Is for its sentinel, so a caller that
// only cares about the kind never needs the type. The root package
// re-exports the sentinels.
package errs
