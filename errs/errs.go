package errs

import (
	"errors"
	"fmt"
)

// Sentinels: the kinds of failure a caller branches on.
var (
	// ErrNotFound: the entity does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the change collides with stored state (a duplicate
	// unique key, a stale version, an illegal state transition).
	ErrConflict = errors.New("conflict")
	// ErrInvalid: the input is malformed or breaks a rule; nothing changed.
	ErrInvalid = errors.New("invalid input")
	// ErrForbidden: the input is well formed but not allowed (a banned
	// customer at checkout, an expired or revoked token).
	ErrForbidden = errors.New("forbidden")
	// ErrGone: what was asked for existed once and was deleted for good
	// (a feed cursor older than the events pruned by retention).
	ErrGone = errors.New("gone")
)

// InvalidError names the field whose value broke a rule.
type InvalidError struct {
	Field  string // e.g. "platform_id", "metadata.key"
	Value  string // the offending input, possibly shortened
	Reason string // why it was refused
}

// Invalid returns an *InvalidError.
func Invalid(field, value, reason string) *InvalidError {
	const max = 64
	if len(value) > max {
		value = value[:max] + "…"
	}
	return &InvalidError{Field: field, Value: value, Reason: reason}
}

func (e *InvalidError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("invalid %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("invalid %s %q: %s", e.Field, e.Value, e.Reason)
}

// Is reports ErrInvalid.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

// NotFoundError names the entity that was looked up.
type NotFoundError struct {
	Entity string // e.g. "customer"
	Key    string // the ID or key looked up
}

// NotFound returns a *NotFoundError.
func NotFound(entity, key string) *NotFoundError {
	return &NotFoundError{Entity: entity, Key: key}
}

func (e *NotFoundError) Error() string { return fmt.Sprintf("%s %s: not found", e.Entity, e.Key) }

// Is reports ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// ConflictError says which entity collided with stored state and why.
type ConflictError struct {
	Entity string
	Key    string
	Reason string // e.g. "stale version 3, stored 4", "platform ID already used"
}

// Conflict returns a *ConflictError.
func Conflict(entity, key, reason string) *ConflictError {
	return &ConflictError{Entity: entity, Key: key, Reason: reason}
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s %s: conflict: %s", e.Entity, e.Key, e.Reason)
}

// Is reports ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// ForbiddenError says why a well-formed request was refused.
type ForbiddenError struct {
	Reason string
}

// Forbidden returns a *ForbiddenError.
func Forbidden(reason string) *ForbiddenError { return &ForbiddenError{Reason: reason} }

func (e *ForbiddenError) Error() string { return "forbidden: " + e.Reason }

// Is reports ErrForbidden.
func (e *ForbiddenError) Is(target error) bool { return target == ErrForbidden }
