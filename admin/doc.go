// Package admin is the Customer Details Page as an embeddable web UI: an
// http.Handler a host mounts under its own prefix, behind its own login, as
// riverui or asynqmon are mounted.
//
//	pb := playerbase.New(backend, nil)
//	mux.Handle("/admin/", admin.New(pb, &admin.Options{
//		Prefix: "/admin",
//		Actor:  func(r *http.Request) string { return "admin:" + currentUser(r) },
//	}))
//
// Pages: Customers (search by name, platform ID in any form, email, IP,
// customer or order ID, through Client.CustomerSearch; banned customers
// marked), the Customer Details Page (profile, stats per currency, the ban
// banner, inventory with the command view, orders and subscriptions with
// their status filters and pages, the metadata form), the Edit Customer and
// Ban forms, a ban's page with Edit Ban and Unban, Manage Tokens, Assign
// Product, an item's page with its Discord link and commands, and the
// details page's History tab: the customer's events (Client.
// CustomerHistory), newest first, a page at a time behind an "Older"
// link, each with its time, actor, what happened in words, a link to the
// record it changed and each changed field as before → after, shown as
// text.
//
// The rules it follows:
//   - The HTTP layer translates and decides nothing: a handler parses a form
//     into the Client's params, calls one method, and shows the record or
//     the typed error. Whether Revoke is offered is inventory.CheckRevocable.
//   - Server-rendered html/template with its CSS and script embedded; no CDN
//     and no build step. Every action is a plain form post and works with
//     JavaScript off; the script only shows times in the viewer's zone, asks
//     before one-click destructive posts and adds metadata rows in place.
//   - Every request runs with the staff member Options.Actor names in its
//     context (playerbase.WithActor), so every change made from the page,
//     and every event it appends, carries them.
//   - A GET never changes anything. Every POST passes
//     http.CrossOriginProtection and carries a per-browser token (a
//     SameSite=Strict cookie echoed in the form), for browsers that send
//     neither Origin nor Sec-Fetch-Site. Read-only mode, or a request
//     Options.Actor names no one for, refuses every POST.
//   - A refused form comes back with what was typed, the error next to the
//     field the *errs.InvalidError names, and nothing changed. A form loaded
//     before someone else's change (customer version, metadata version, a
//     ban's last update) is a conflict message, not an overwrite.
//   - Destructive actions ask first: Unban, Revoke and Revoke all tokens on a
//     confirmation page (no script needed), revoking one token and canceling
//     a subscription now with the browser's confirm() when scripts run.
//   - Every value is escaped by html/template; the Content-Security-Policy
//     allows only the handler's own stylesheet and script. Token secrets are
//     shown once, on the response that issued them; hashes never.
//   - Times are sent in UTC inside <time> elements and shown in the viewer's
//     zone, the UTC value on hover; forms take times in UTC, as their labels
//     say. Money is shown with its currency, per currency.
//   - Lists on the details page show ten rows each, newest first, with a
//     "More" link continuing from the last row shown.
//   - The details page's rows and sections each render once per data:
//     html/template pays reflection on every field and escaper, so a
//     fragment is cached by the comparable data its template reads (see
//     fragments) and a reload of an unchanged page renders nothing. A
//     changed record is other data, so a cached fragment is never stale.
//     An order's or an item's row data is kept per stored version of the
//     record (Version moves on every stored change) and, for an item, of
//     its product and its state at now.
package admin
