package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/storage"
)

func testTokens(t *testing.T, newBackend NewBackend) {
	ctx := context.Background()
	b := newBackend(t)
	c := newCustomer()
	update(t, b, func(tx storage.Tx) error { return tx.Customers().Create(ctx, c) })

	exp := now.Add(time.Hour)
	first, _, err := customer.NewToken(c.ID, "first", &exp, now)
	if err != nil {
		t.Fatal(err)
	}
	second, _, _ := customer.NewToken(c.ID, "", nil, now.Add(time.Second))
	update(t, b, func(tx storage.Tx) error {
		if err := tx.Tokens().CreateToken(ctx, first); err != nil {
			return err
		}
		return tx.Tokens().CreateToken(ctx, second)
	})
	view(t, b, func(tx storage.Tx) error {
		got, err := tx.Tokens().GetToken(ctx, first.ID)
		if err != nil {
			return err
		}
		if d := cmp.Diff(first, got, cmpOpts...); d != "" {
			t.Errorf("GetToken (-want +got):\n%s", d)
		}
		list, err := tx.Tokens().ListTokens(ctx, c.ID)
		if err != nil {
			return err
		}
		if len(list) != 2 || list[0].ID != second.ID || list[1].ID != first.ID {
			t.Errorf("ListTokens = %v, want newest first [%s %s]", tokenIDs(list), second.ID, first.ID)
		}
		if _, err := tx.Tokens().GetToken(ctx, customer.NewTokenID(now)); !errors.Is(err, errs.ErrNotFound) {
			t.Errorf("GetToken unknown = %v, want ErrNotFound", err)
		}
		return nil
	})

	revokedAt := now.Add(time.Minute)
	update(t, b, func(tx storage.Tx) error { return tx.Tokens().RevokeToken(ctx, first.ID, revokedAt) })
	update(t, b, func(tx storage.Tx) error {
		n, err := tx.Tokens().RevokeAllTokens(ctx, c.ID, revokedAt.Add(time.Minute))
		if n != 1 {
			t.Errorf("RevokeAllTokens revoked %d, want 1 (the other was revoked already)", n)
		}
		return err
	})
	view(t, b, func(tx storage.Tx) error {
		got, _ := tx.Tokens().GetToken(ctx, first.ID)
		if got.RevokedAt == nil || !got.RevokedAt.Equal(revokedAt) {
			t.Errorf("first token RevokedAt = %v, want %v (a second revoke must not move it)", got.RevokedAt, revokedAt)
		}
		return nil
	})
	err = b.Update(ctx, func(tx storage.Tx) error { return tx.Tokens().RevokeToken(ctx, customer.NewTokenID(now), now) })
	if !errors.Is(err, errs.ErrNotFound) {
		t.Errorf("RevokeToken unknown = %v, want ErrNotFound", err)
	}
}

func tokenIDs(ts []customer.Token) []customer.TokenID {
	var out []customer.TokenID
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}
