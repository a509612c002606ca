package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/playerbase/playerbase/errs"
)

// wrap marks an error as the driver's, keeping the chain (context errors,
// *pgconn.PgError) for errors.Is and errors.As.
func wrap(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("postgres: %w", err)
}

// SQLSTATE codes the stores translate.
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeCheckViolation      = "23514"
	codeNotNullViolation    = "23502"
	codeExclusionViolation  = "23P01"
	codeUntranslatable      = "22P05" // e.g. \u0000 in jsonb
	codeBadCharacter        = "22021" // e.g. a NUL byte in text
)

// translate turns a driver error about entity key into the domain's:
// no rows → errs.NotFound, a unique or exclusion violation → errs.Conflict,
// a missing parent row → errs.NotFound of the parent, a check violation or
// a character PostgreSQL cannot store → errs.Invalid. Anything else is
// wrapped.
func translate(err error, entity, key string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return errs.NotFound(entity, key)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return wrap(err)
	}
	switch pe.Code {
	case codeUniqueViolation, codeExclusionViolation:
		if r, ok := uniqueReasons[pe.ConstraintName]; ok {
			return errs.Conflict(r.entity, key, r.reason)
		}
		return errs.Conflict(entity, key, "already exists ("+pe.ConstraintName+")")
	case codeForeignKeyViolation:
		if p, ok := parents[pe.ConstraintName]; ok {
			return errs.NotFound(p, detailKey(pe.Detail))
		}
		return errs.NotFound("referenced row", detailKey(pe.Detail))
	case codeCheckViolation, codeNotNullViolation:
		return errs.Invalid(entity, key, "refused by the database ("+pe.ConstraintName+")")
	case codeUntranslatable, codeBadCharacter:
		return errs.Invalid(entity, key, "contains a character PostgreSQL cannot store (NUL)")
	}
	return wrap(err)
}

// detailKey pulls the value out of a violation's detail, which reads
// `Key (customer_id)=(cus_…) is not present in table "customers".`
func detailKey(detail string) string {
	_, rest, ok := strings.Cut(detail, ")=(")
	if !ok {
		return detail
	}
	if i := strings.LastIndex(rest, ")"); i >= 0 {
		return rest[:i]
	}
	return rest
}

// uniqueReasons names, per unique constraint, what a violation means to a
// user.
var uniqueReasons = map[string]struct{ entity, reason string }{
	"customers_pkey":            {"customer", "ID already exists"},
	"customers_platform_id_key": {"customer", "platform ID already belongs to a customer"},
	"customer_tokens_pkey":      {"token", "ID already exists"},
	"bans_pkey":                 {"ban", "ID already exists"},
	"products_pkey":             {"product", "ID already exists"},
	"items_pkey":                {"item", "ID already exists"},
	"commands_pkey":             {"command", "ID already exists"},
	"orders_pkey":               {"order", "ID already exists"},
	"orders_payment_ref_key":    {"order", "payment reference already belongs to an order"},
	"subscriptions_pkey":        {"subscription", "ID already exists"},
}

// parents names, per foreign key, the entity that must exist first.
var parents = map[string]string{
	"customer_tokens_customer_id_fkey":   "customer",
	"customer_metadata_customer_id_fkey": "customer",
	"ban_identities_ban_id_fkey":         "ban",
	"items_customer_id_fkey":             "customer",
	"items_product_id_fkey":              "product",
	"commands_item_id_fkey":              "item",
	"commands_customer_id_fkey":          "customer",
	"orders_customer_id_fkey":            "customer",
	"subscriptions_customer_id_fkey":     "customer",
}
