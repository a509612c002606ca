package playerbase

import (
	"context"
	"errors"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
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
		return tx.Tokens().CreateToken(ctx, tok)
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
		return tx.Tokens().RevokeToken(ctx, id, now)
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
		n, err = tx.Tokens().RevokeAllTokens(ctx, id, now)
		return err
	})
	return n, err
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
