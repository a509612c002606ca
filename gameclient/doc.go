// Package gameclient is a Go client for game-server plugins of a store
// that serves playerbase's game-server API (package gameapi), which is
// wire-compatible with PayNow's: link the server, poll the command queue,
// run each command, acknowledge it, report failures, report joins, and ask
// whether a joining player is banned.
//
// Deliver is what a plugin calls every few seconds: it works through the
// queue, reporting each batch's results with the next poll
// (PollReporting, a playerbase extension that needs one request per batch
// where PayNow's protocol needs a poll and an acknowledgement; against a
// server without it the results go as acknowledgements, as before). It runs each
// command at most once, even across crashes, with a Journal kept outside
// the process (OpenFileJournal): the key is recorded before the command
// runs and its result after. Results the journal still holds (the plugin
// died before reporting them, or a report failed) go with the next
// Deliver's first poll, so the store shows them at once; a command the API
// hands out again anyway (its lease ran out first, or the journal cannot
// list its entries: see Lister) is acknowledged from the journal instead
// of running again. A command the journal shows started
// but never finished — the plugin died while running it — may have run,
// so it is not run again but reported failed (Interrupted), for the store
// owner to check and resend. Run one Deliver loop per game server.
//
// Only the commands this server's token may see are ever handed out; the
// token alone names the server.
package gameclient
