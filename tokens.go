package playerbase

import (
	"context"
	"errors"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
)

// TokenIssueParams describes a new customer token. Both fields are optional.
type TokenIssueParams struct {
	Label     string
	ExpiresAt *time.Time
}

// TokenIssue makes a token for a customer and returns it with its secret.
// The secret is shown once: only its hash is stored.
func (c *Client) TokenIssue(ctx context.Context, id customer.ID, p TokenIssueParams) (tok customer.Token, secret string, err error) {
	now := c.clock()
	tok, secret, err = customer.NewToken(id, p.Label, p.ExpiresAt, now)
	if err != nil {
		return customer.Token{}, "", err
	}
	err = c.update(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		if err := tx.Tokens().CreateToken(ctx, tok); err != nil {
			return err
		}
		return recordToken(ctx, tx, now, events.TokenIssued, customer.Token{}, tok)
	})
	if err != nil {
		return customer.Token{}, "", err
	}
	return tok, secret, nil
}

// Tokens lists a customer's tokens, newest first, without secrets. An
// unknown customer is ErrNotFound, not an empty list.
func (c *Client) TokenList(ctx context.Context, id customer.ID) (toks []customer.Token, err error) {
	defer func() { toks = nonNil(toks) }()
	err = c.view(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		toks, err = tx.Tokens().ListTokens(ctx, id)
		return err
	})
	return toks, err
}

// TokenRevoke revokes one token; revoking a revoked token is a no-op.
func (c *Client) TokenRevoke(ctx context.Context, id customer.TokenID) error {
	now := c.clock()
	return c.update(ctx, func(tx storage.Tx) error {
		tok, err := tx.Tokens().GetToken(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.Tokens().RevokeToken(ctx, id, now); err != nil {
			return err
		}
		return recordRevoked(ctx, tx, now, tok)
	})
}

// TokenRevokeAll revokes every live token of a customer and says how many.
// An unknown customer is ErrNotFound.
func (c *Client) TokenRevokeAll(ctx context.Context, id customer.ID) (n int, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		if _, err := tx.Customers().Get(ctx, id); err != nil {
			return err
		}
		live, err := tx.Tokens().ListTokens(ctx, id)
		if err != nil {
			return err
		}
		if n, err = tx.Tokens().RevokeAllTokens(ctx, id, now); err != nil {
			return err
		}
		for _, tok := range live {
			if err := recordRevoked(ctx, tx, now, tok); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// recordRevoked appends the event of revoking tok at now, as the store
// does it: a token revoked already is left as it was, and is no event.
func recordRevoked(ctx context.Context, tx storage.Tx, now time.Time, tok customer.Token) error {
	if tok.RevokedAt != nil {
		return nil
	}
	after := tok.Clone()
	after.RevokedAt = &now
	return recordToken(ctx, tx, now, events.TokenRevoked, tok, after)
}

// recordToken appends a token's event. The token's JSON never holds its
// hash (customer.Token writes none), so the event cannot leak it either.
func recordToken(ctx context.Context, tx storage.Tx, now time.Time, typ events.Type, before, after customer.Token) error {
	var was any
	if before.ID != "" {
		was = before
	}
	return record(ctx, tx, now, typ, after.Customer, string(after.ID), was, after)
}

// errBadToken is the one answer to every refused secret, so a caller learns
// nothing about why.
var errBadToken = errs.Forbidden("token is unknown, expired or revoked")

// Authenticate returns the customer a token secret belongs to. A malformed,
// unknown, expired or revoked secret is refused with an error matching
// ErrForbidden.
func (c *Client) TokenAuthenticate(ctx context.Context, secret string) (id customer.ID, err error) {
	tid, err := customer.SplitSecret(secret)
	if err != nil {
		return "", errBadToken
	}
	now := c.clock()
	var tok customer.Token
	err = c.view(ctx, func(tx storage.Tx) error {
		tok, err = tx.Tokens().GetToken(ctx, tid)
		return err
	})
	if err != nil {
		if errors.Is(err, errs.ErrNotFound) {
			return "", errBadToken
		}
		return "", err
	}
	if !tok.Matches(secret) || !tok.Usable(now) {
		return "", errBadToken
	}
	return tok.Customer, nil
}
