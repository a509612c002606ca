package playerbase

import (
	"context"
	"errors"
	"net/netip"
	"time"

	"github.com/playerbase/playerbase/customer"
	"github.com/playerbase/playerbase/errs"
	"github.com/playerbase/playerbase/events"
	"github.com/playerbase/playerbase/storage"
)

// CustomerIdentifyParams is how a login or checkout names a customer: a
// platform, an account ID in any form that platform's parser accepts, and
// a display name.
type CustomerIdentifyParams struct {
	Platform   customer.Platform
	PlatformID string
	// Name is the display name. It is needed only to create a customer:
	// "" finds an existing one by platform ID alone and leaves its name
	// as it is.
	Name string
}

func parseIdentity(in CustomerIdentifyParams) (customer.PlatformID, string, error) {
	pid, err := customer.ParsePlatformID(in.Platform, in.PlatformID)
	if err != nil {
		return customer.PlatformID{}, "", err
	}
	name, err := customer.CheckName(in.Platform, in.Name)
	if err != nil {
		return customer.PlatformID{}, "", err
	}
	return pid, name, nil
}

// CustomerIdentify finds the customer with that platform ID or creates
// one, at login or checkout. FirstSeen is set on creation and never moves;
// a changed display name is saved. created reports whether the customer is
// new. Without a name it only finds: a customer not stored yet is an
// *errs.InvalidError for "name", since a new customer needs one.
func (c *Client) CustomerIdentify(ctx context.Context, in CustomerIdentifyParams) (cust customer.Customer, created bool, err error) {
	var pid customer.PlatformID
	var name string
	if in.Name == "" {
		pid, err = customer.ParsePlatformID(in.Platform, in.PlatformID)
	} else {
		pid, name, err = parseIdentity(in)
	}
	if err != nil {
		return customer.Customer{}, false, err
	}
	now := c.clock()
	err = retryOnConflict(func() error {
		return c.update(ctx, func(tx storage.Tx) error {
			cust, created, err = identify(ctx, tx, pid, name, now)
			return err
		})
	})
	return cust, created, err
}

func identify(ctx context.Context, tx storage.Tx, pid customer.PlatformID, name string, now time.Time) (customer.Customer, bool, error) {
	cust, err := tx.Customers().GetByPlatformID(ctx, pid)
	switch {
	case errors.Is(err, errs.ErrNotFound) && name == "":
		return customer.Customer{}, false, errs.Invalid("name", "", "required to create a customer: none has platform ID "+pid.Value)
	case errors.Is(err, errs.ErrNotFound):
		cust = customer.Customer{ID: customer.NewID(now), Name: name, PlatformID: pid, FirstSeen: now, Updated: now}
		if err := tx.Customers().Create(ctx, cust); err != nil {
			return customer.Customer{}, false, err
		}
		return cust, true, record(ctx, tx, now, events.CustomerCreated, cust.ID, string(cust.ID), nil, cust)
	case err != nil:
		return customer.Customer{}, false, err
	case name == "" || cust.Name == name:
		return cust, false, nil
	}
	before := cust.Clone()
	cust.Name = name
	cust.Updated = now
	if err := tx.Customers().Update(ctx, cust); err != nil {
		return customer.Customer{}, false, err
	}
	cust.Version++
	return cust, false, recordCustomer(ctx, tx, now, before, cust)
}

// recordCustomer appends the event of an edit of a customer.
func recordCustomer(ctx context.Context, tx storage.Tx, now time.Time, before, after customer.Customer) error {
	return record(ctx, tx, now, events.CustomerUpdated, after.ID, string(after.ID), before, after)
}

// Customer returns one customer.
func (c *Client) CustomerGet(ctx context.Context, id customer.ID) (cust customer.Customer, err error) {
	err = c.view(ctx, func(tx storage.Tx) error {
		cust, err = tx.Customers().Get(ctx, id)
		return err
	})
	return cust, err
}

// CustomerGetByPlatformID finds a customer by an account ID in any accepted form.
func (c *Client) CustomerGetByPlatformID(ctx context.Context, p customer.Platform, platformID string) (cust customer.Customer, err error) {
	pid, err := customer.ParsePlatformID(p, platformID)
	if err != nil {
		return customer.Customer{}, err
	}
	err = c.view(ctx, func(tx storage.Tx) error {
		cust, err = tx.Customers().GetByPlatformID(ctx, pid)
		return err
	})
	return cust, err
}

// CustomerUpdateParams is a change to a customer's name and platform ID.
// Version is the version the editor read; if the customer changed since,
// CustomerUpdate fails with a conflict and changes nothing.
type CustomerUpdateParams struct {
	Version    int64
	Name       string
	PlatformID string // any accepted form, on the customer's platform
}

// CustomerUpdate changes a customer's name and platform ID. An edit that
// changes neither still checks Version and moves it, but appends no
// event: the history shows changes, not saves.
func (c *Client) CustomerUpdate(ctx context.Context, id customer.ID, e CustomerUpdateParams) (cust customer.Customer, err error) {
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		cust, err = tx.Customers().Get(ctx, id)
		if err != nil {
			return err
		}
		pid, name, err := parseIdentity(CustomerIdentifyParams{Platform: cust.PlatformID.Platform, PlatformID: e.PlatformID, Name: e.Name})
		if err != nil {
			return err
		}
		before := cust.Clone()
		cust.Version = e.Version
		cust.Name, cust.PlatformID, cust.Updated = name, pid, now
		if err := tx.Customers().Update(ctx, cust); err != nil {
			return err
		}
		cust.Version++
		if before.Name == cust.Name && before.PlatformID == cust.PlatformID {
			return nil
		}
		return recordCustomer(ctx, tx, now, before, cust)
	})
	if err != nil {
		return customer.Customer{}, err
	}
	return cust, nil
}

// CustomerRecordCheckoutParams are what a checkout saw of a customer.
// Either may be empty.
type CustomerRecordCheckoutParams struct {
	IP    string // the buyer's IP address
	Email string // the buyer's email
}

// CustomerRecordCheckout adds the IP and email a customer used at checkout
// to their known sets (shown to the ban banner).
func (c *Client) CustomerRecordCheckout(ctx context.Context, id customer.ID, p CustomerRecordCheckoutParams) (cust customer.Customer, err error) {
	addr, mail, err := parseCheckoutContact(p.IP, p.Email)
	if err != nil {
		return customer.Customer{}, err
	}
	now := c.clock()
	err = c.update(ctx, func(tx storage.Tx) error {
		cust, err = recordCheckout(ctx, tx, id, addr, mail, now)
		return err
	})
	return cust, err
}

func parseCheckoutContact(ip, email string) (netip.Addr, string, error) {
	var addr netip.Addr
	var err error
	if ip != "" {
		if addr, err = customer.ParseIP(ip); err != nil {
			return netip.Addr{}, "", err
		}
	}
	if email != "" {
		if email, err = customer.ParseEmail(email); err != nil {
			return netip.Addr{}, "", err
		}
	}
	return addr, email, nil
}

func recordCheckout(ctx context.Context, tx storage.Tx, id customer.ID, ip netip.Addr, email string, now time.Time) (customer.Customer, error) {
	cust, err := tx.Customers().Get(ctx, id)
	if err != nil {
		return customer.Customer{}, err
	}
	before := cust.Clone()
	if !cust.RecordCheckout(ip, email) {
		return cust, nil
	}
	cust.Updated = now
	if err := tx.Customers().Update(ctx, cust); err != nil {
		return customer.Customer{}, err
	}
	cust.Version++
	return cust, recordCustomer(ctx, tx, now, before, cust)
}
