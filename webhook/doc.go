// Package webhook delivers playerbase's change feed to the host's HTTP
// endpoints, signed as the Standard Webhooks spec says
// (https://www.standardwebhooks.com), and verifies such requests on the
// receiving side. It is a surface on top of playerbase.Client: no domain
// package knows it.
//
// Rules:
//   - A request is a POST whose body is one event's JSON (events.Event, as
//     docs/json.md shows it), with the headers webhook-id (the event's ID:
//     a redelivery carries the same one, so a receiver deduplicates on it),
//     webhook-timestamp (the attempt's time, unix seconds) and
//     webhook-signature ("v1," and the base64 HMAC-SHA256 of
//     "id.timestamp.body" under the endpoint's secret, "whsec_…").
//   - Each endpoint gets the events in feed order, one at a time: the next
//     only after a 2xx for the previous. Anything else (another status, a
//     redirect, no answer within the timeout, a dropped connection) is
//     retried, with exponential backoff and full jitter, a Retry-After
//     honoured up to the cap, until it succeeds: delivery is at least
//     once, never skipped, never reordered.
//   - Each endpoint has its own goroutine and its own cursor, saved in the
//     backend ("webhook:<name>") after each page of the feed, every second
//     while it catches up, and when Run stops: one endpoint down holds
//     back no other, and a relay that restarts resumes where it stopped.
//     A process that dies without stopping Run delivers again, with the
//     same webhook-ids, the events since the last save.
//   - An endpoint may ask for some event types only; the others move its
//     cursor on without a request.
//   - An endpoint whose next events were pruned by retention before it got
//     them hears an *events.BehindError through Config.OnError and goes on
//     from the oldest event kept: the events lost are reported, not
//     silently skipped.
//   - Verify refuses a request unless its timestamp is within 5 minutes of
//     the receiver's clock (a replay) and one of its signatures, compared
//     in constant time, matches the body exactly as received.
//
// A receiver, the host's or a third party's:
//
//	func hook(w http.ResponseWriter, r *http.Request) {
//		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
//		if err != nil {
//			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
//			return
//		}
//		if err := webhook.Verify(secret, r.Header, body); err != nil {
//			http.Error(w, "unverified", http.StatusUnauthorized)
//			return
//		}
//		var ev events.Event
//		if err := json.Unmarshal(body, &ev); err != nil {
//			http.Error(w, "bad event", http.StatusBadRequest)
//			return
//		}
//		if seen(ev.ID) { // a redelivery: already handled
//			return
//		}
//		handle(ev) // e.g. give or take a Discord role on ban.created / ban.removed
//	}
//
// And the sender, in the host's main:
//
//	relay, err := webhook.New(client, &webhook.Config{Endpoints: []webhook.Endpoint{
//		{Name: "discord-bot", URL: "https://bot.example.com/hooks", Secret: secret,
//			Types: []events.Type{events.BanCreated, events.BanRemoved}},
//	}})
//	if err != nil {
//		return err
//	}
//	go relay.Run(ctx)
package webhook
